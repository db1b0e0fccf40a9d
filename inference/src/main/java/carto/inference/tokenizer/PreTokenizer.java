package carto.inference.tokenizer;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Splits text into words before BPE, the way llama.cpp does: each regex of the model's
 * pre-tokenizer is applied in turn within the pieces left by the previous one, keeping both
 * matches and the gaps between them. Unicode categories are evaluated on a "collapsed" copy of
 * the text where every non-ASCII code point becomes one marker character per category, so the
 * result follows llama.cpp's own category tables rather than a regex engine's.
 */
final class PreTokenizer {
    private static final char C_NUMBER = 0xD1, C_LETTER = 0xD2, C_PUNCT = 0xD3, C_ACCENT = 0xD4, C_SYMBOL = 0xD5, C_OTHER = 0xD0;
    private static final char C_SPACE = 0x0B;

    private static final String GPT2 = "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)";
    private static final String LLAMA3 = "(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
    private static final String QWEN2 = "(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

    private record Step(Pattern pattern, boolean collapsed) {}

    private final String name;
    private final List<Step> steps;

    private PreTokenizer(String name, List<String> regexes) {
        this.name = name;
        this.steps = new ArrayList<>();
        for (String r : regexes) {
            boolean collapsed = r.contains("\\p{");
            steps.add(new Step(Pattern.compile(collapsed ? collapseRegex(r) : r), collapsed));
        }
    }

    /** The pre-tokenizer named by {@code tokenizer.ggml.pre}; unknown names fall back to llama.cpp's default split. */
    static PreTokenizer forName(String pre) {
        List<String> r = switch (pre) {
            case "llama3", "llama-v3", "llama-bpe", "falcon3", "falcon-h1", "pixtral", "midm-2.0", "lfm2" -> List.of(LLAMA3);
            case "qwen2", "deepseek-r1-qwen", "megrez", "hunyuan" -> List.of(QWEN2);
            case "deepseek-coder" -> List.of("[\r\n]", "\\s?\\p{L}+", "\\s?\\p{P}+", "[一-龥ࠀ-一가-퟿]+", "\\p{N}");
            case "deepseek-llm" -> List.of("[\r\n]", "\\s?[A-Za-zµÀ-ÖØ-öø-ƺƼ-ƿǄ-ʓʕ-ʯͰ-ͳͶͷͻ-ͽͿΆΈ-ΊΌΎ-ΡΣ-ϵϷ-ҁҊ-ԯԱ-ՖႠ-ჅᎠ-Ᏽᏸ-ᏽᲐ-ᲺᲽ-Ჿᴀ-ᴫᵫ-ᵷᵹ-ᶚḀ-ἕἘ-Ἕἠ-ὅὈ-Ὅὐ-ὗὙὛὝὟ-ώᾀ-ᾴᾶ-ᾼιῂ-ῄῆ-ῌῐ-ΐῖ-Ίῠ-Ῥῲ-ῴῶ-ῼℂℇℊ-ℓℕℙ-ℝℤΩℨK-ℭℯ-ℴℹℼ-ℿⅅ-ⅉⅎↃↄⰀ-ⱻⱾ-ⳤⳫ-ⳮⳲⳳꙀ-ꙭꚀ-ꚛꜢ-ꝯꝱ-ꞇꞋ-ꞎꭰ-ꮿﬀ-ﬆﬓ-ﬗＡ-Ｚａ-ｚ𐐀-𐑏𐒰-𐓓𐓘-𐓻𐲀-𐲲𐳀-𐳲𑢠-𑣟𞤀-𞥃]+",
                    "\\s?[!-/:-~！-／：-～‘-‟　-。]+", "\\s+$", "[一-龥ࠀ-一가-퟿]+", "\\p{N}+");
            case "falcon" -> List.of("[\\p{P}\\$\\+<=>\\^~\\|`]+", GPT2, "[0-9][0-9][0-9]");
            case "starcoder", "refact", "command-r", "smollm", "codeshell", "exaone", "minerva-7b" -> List.of("\\p{N}", GPT2);
            case "gpt-2", "phi-2", "jina-es", "jina-de", "gigachat", "jina-v1-en", "jina-v2-es", "jina-v2-de", "jina-v2-code",
                 "roberta-bpe", "mpt", "olmo", "jais", "trillion", "granite-docling" -> List.of(GPT2);
            default -> List.of("[\\p{P}\\$\\+<=>\\^~\\|]+", GPT2, "\\p{N}+", "[0-9][0-9][0-9]");
        };
        return new PreTokenizer(pre, r);
    }

    String name() {
        return name;
    }

    /** Rewrites \p{X} into a character class over the collapsed alphabet (marker char plus the ASCII members). */
    static String collapseRegex(String regex) {
        StringBuilder out = new StringBuilder();
        boolean inside = false;
        for (int i = 0; i < regex.length(); i++) {
            char c = regex.charAt(i);
            if (c == '[' && (i == 0 || regex.charAt(i - 1) != '\\')) {
                inside = true;
                out.append(c);
                continue;
            }
            if (inside && c == ']' && regex.charAt(i - 1) != '\\') {
                inside = false;
                out.append(c);
                continue;
            }
            if (c == '\\' && i + 4 < regex.length() && regex.charAt(i + 1) == 'p' && regex.charAt(i + 2) == '{' && regex.charAt(i + 4) == '}') {
                String members = switch (regex.charAt(i + 3)) {
                    case 'N' -> C_NUMBER + "0-9";
                    case 'L' -> C_LETTER + "A-Za-z";
                    case 'P' -> C_PUNCT + "!-#%-*,-/:-;?-@\\[-\\]_\\{\\}";
                    case 'M' -> String.valueOf(C_ACCENT);
                    case 'S' -> C_SYMBOL + "\\$\\+<=>\\^`\\|";
                    default -> null;
                };
                if (members != null) {
                    out.append(inside ? members : "[" + members + "]");
                    i += 4;
                    continue;
                }
            }
            out.append(c);
        }
        return out.toString();
    }

    /** Words of {@code text}, in order; their concatenation is the text. */
    List<String> split(String text) {
        int[] cps = text.codePoints().toArray();
        int n = cps.length;
        if (n == 0) return List.of();
        char[] collapsed = new char[n];
        char[] wide = new char[n];
        for (int i = 0; i < n; i++) {
            int cp = cps[i];
            if (cp < 128) {
                collapsed[i] = (char) cp;
                wide[i] = (char) cp;
                continue;
            }
            boolean ws = Unicode.isWhitespace(cp);
            collapsed[i] = ws ? C_SPACE : switch (Unicode.category(cp)) {
                case NUMBER -> C_NUMBER;
                case LETTER -> C_LETTER;
                case PUNCTUATION -> C_PUNCT;
                case ACCENT_MARK -> C_ACCENT;
                case SYMBOL -> C_SYMBOL;
                default -> C_OTHER;
            };
            wide[i] = ws ? C_SPACE : cp > 0xFFFF ? '\uFFFF' : (char) cp;
        }
        String collapsedText = new String(collapsed);
        String wideText = new String(wide);
        List<Integer> offsets = new ArrayList<>(List.of(n));
        for (Step step : steps) {
            Matcher m = step.pattern.matcher(step.collapsed ? collapsedText : wideText);
            List<Integer> next = new ArrayList<>(offsets.size() * 2);
            int start = 0;
            for (int len : offsets) {
                int end = start + len;
                m.region(start, end);
                int prev = start;
                while (m.find()) {
                    if (m.start() > prev) next.add(m.start() - prev);
                    if (m.end() > m.start()) next.add(m.end() - m.start());
                    prev = m.end();
                }
                if (prev < end) next.add(end - prev);
                start = end;
            }
            offsets = next;
        }
        List<String> words = new ArrayList<>(offsets.size());
        int start = 0;
        for (int len : offsets) {
            words.add(new String(cps, start, len));
            start += len;
        }
        return words;
    }
}
