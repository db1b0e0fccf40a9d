package carto.inference.tokenizer;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Text to token ids and back, following llama.cpp exactly: special and user-defined tokens
 * are cut out of the raw text first (longest first), then every remaining fragment goes through
 * the vocabulary's algorithm (SentencePiece or byte-level BPE).
 */
public abstract sealed class Tokenizer permits SpmTokenizer, BpeTokenizer {
    protected final Vocabulary vocab;
    private final int[] specialTokens;

    protected Tokenizer(Vocabulary vocab) {
        this.vocab = vocab;
        List<Integer> special = new ArrayList<>();
        for (int i = 0; i < vocab.size(); i++) {
            if ((vocab.attrs[i] & (Vocabulary.CONTROL | Vocabulary.USER_DEFINED | Vocabulary.UNKNOWN)) != 0 && !vocab.tokens[i].isEmpty()) {
                special.add(i);
            }
        }
        special.sort(Comparator.comparingInt((Integer i) -> -vocab.tokens[i].length()).thenComparingInt(i -> i));
        this.specialTokens = special.stream().mapToInt(Integer::intValue).toArray();
    }

    public static Tokenizer of(Vocabulary vocab) {
        return switch (vocab.kind) {
            case SPM -> new SpmTokenizer(vocab);
            case BPE -> new BpeTokenizer(vocab);
        };
    }

    public Vocabulary vocabulary() {
        return vocab;
    }

    /** A piece of the input: raw text [offset, offset+length) or an already-decided token. */
    protected record Fragment(String text, int offset, int length, int token) {
        boolean isText() {
            return token < 0;
        }

        String slice() {
            return text.substring(offset, offset + length);
        }
    }

    /**
     * Encodes text. {@code addSpecial} adds BOS/EOS as the vocabulary asks; {@code parseSpecial}
     * turns the text of control tokens (e.g. {@code <|fim_prefix|>}) into those tokens.
     */
    public int[] encode(String text, boolean addSpecial, boolean parseSpecial) {
        List<Fragment> fragments = partition(text, parseSpecial);
        IntList out = new IntList();
        encodeFragments(fragments, addSpecial, false, out);
        return out.toArray();
    }

    /**
     * Encodes text that continues other text (a window in the middle of a document): no BOS/EOS,
     * no special-token parsing, and no SentencePiece space prefix.
     */
    public int[] encodeContinuation(String text) {
        IntList out = new IntList();
        encodeFragments(partition(text, false), false, true, out);
        return out.toArray();
    }

    /** Encodes with the model's default BOS/EOS rule and no special-token parsing. */
    public int[] encode(String text) {
        return encode(text, true, false);
    }

    protected abstract void encodeFragments(List<Fragment> fragments, boolean addSpecial, boolean continuation, IntList out);

    private List<Fragment> partition(String text, boolean parseSpecial) {
        List<Fragment> buf = new ArrayList<>();
        if (text.isEmpty()) return buf;
        buf.add(new Fragment(text, 0, text.length(), -1));
        for (int id : specialTokens) {
            int attr = vocab.attrs[id];
            if (!parseSpecial && (attr & (Vocabulary.CONTROL | Vocabulary.UNKNOWN)) != 0) continue;
            String tok = vocab.tokens[id];
            List<Fragment> next = new ArrayList<>(buf.size() + 4);
            for (Fragment frag : buf) {
                if (!frag.isText()) {
                    next.add(frag);
                    continue;
                }
                int base = frag.offset, len = frag.length;
                String raw = frag.text;
                while (true) {
                    int match = raw.indexOf(tok, base);
                    if (match < 0 || match + tok.length() > base + len) {
                        if (len > 0) next.add(new Fragment(raw, base, len, -1));
                        break;
                    }
                    int leftLen = match - base;
                    if ((attr & Vocabulary.LSTRIP) != 0) {
                        while (leftLen > 0 && isSpace(raw.charAt(base + leftLen - 1))) leftLen--;
                    }
                    if (leftLen > 0) next.add(new Fragment(raw, base, leftLen, -1));
                    next.add(new Fragment(raw, 0, 0, id));
                    int rightOff = match + tok.length();
                    int rightLen = base + len - rightOff;
                    if ((attr & Vocabulary.RSTRIP) != 0) {
                        while (rightLen > 0 && isSpace(raw.charAt(rightOff))) {
                            rightOff++;
                            rightLen--;
                        }
                    }
                    if (rightLen <= 0) break;
                    base = rightOff;
                    len = rightLen;
                }
            }
            buf = next;
        }
        return buf;
    }

    private static boolean isSpace(char c) {
        return c == ' ' || (c >= '\t' && c <= '\r');
    }

    /** The bytes a token stands for; control tokens give nothing unless {@code special}. */
    public byte[] tokenBytes(int id, boolean special) {
        if (id < 0 || id >= vocab.size()) {
            throw new IllegalArgumentException("token id " + id + " is outside the vocabulary of " + vocab.size());
        }
        int attr = vocab.attrs[id];
        String text = vocab.tokens[id];
        if ((attr & (Vocabulary.CONTROL | Vocabulary.UNKNOWN)) != 0) {
            return special ? text.getBytes(StandardCharsets.UTF_8) : new byte[0];
        }
        if ((attr & Vocabulary.USER_DEFINED) != 0) return text.getBytes(StandardCharsets.UTF_8);
        return normalBytes(id, attr, text);
    }

    protected abstract byte[] normalBytes(int id, int attr, String text);

    /** Decodes a token sequence to text (invalid UTF-8 becomes U+FFFD). */
    public String decode(int[] ids, boolean special) {
        Utf8Stream s = new Utf8Stream();
        StringBuilder sb = new StringBuilder();
        for (int id : ids) sb.append(s.push(tokenBytes(id, special)));
        return sb.append(s.flush()).toString();
    }

    /** Growable int list without boxing. */
    protected static final class IntList {
        private int[] a = new int[16];
        private int n;

        void add(int v) {
            if (n == a.length) a = java.util.Arrays.copyOf(a, n * 2);
            a[n++] = v;
        }

        int size() {
            return n;
        }

        int get(int i) {
            return a[i];
        }

        int[] toArray() {
            return java.util.Arrays.copyOf(a, n);
        }
    }
}
