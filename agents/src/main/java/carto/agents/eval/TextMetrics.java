package carto.agents.eval;

import org.tartarus.snowball.ext.PorterStemmer;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Reference-based summary metrics with their standard definitions, as HuggingFace {@code evaluate}
 * computes them: BLEU-4 (corpus level, sacrebleu's 13a tokenizer, no smoothing, brevity penalty
 * against the shortest reference), ROUGE-L F1 (rouge_score's tokenizer, no stemming) and METEOR
 * (NLTK's: exact then Porter-stem matching, alpha 0.9, beta 3, gamma 0.5). METEOR's WordNet
 * synonym stage is left out: WordNet is not available offline.
 */
public final class TextMetrics {
    private static final Pattern PUNCT = Pattern.compile("([\\{-\\~\\[-\\` -\\&\\(-\\+\\:-\\@\\/])");
    private static final Pattern PERIOD_COMMA_1 = Pattern.compile("([^0-9])([\\.,])");
    private static final Pattern PERIOD_COMMA_2 = Pattern.compile("([\\.,])([^0-9])");
    private static final Pattern DASH = Pattern.compile("([0-9])(-)");
    private static final Pattern WORD = Pattern.compile("\\w+|[^\\w\\s]");

    private TextMetrics() {}

    /** sacrebleu's 13a tokenization (the default of BLEU in HuggingFace evaluate). */
    public static List<String> tokenize13a(String line) {
        String s = line.replace("<skipped>", "").replace("-\n", "").replace("\n", " ");
        if (s.contains("&")) s = s.replace("&quot;", "\"").replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">");
        s = " " + s + " ";
        s = PUNCT.matcher(s).replaceAll(" $1 ");
        s = PERIOD_COMMA_1.matcher(s).replaceAll("$1 $2 ");
        s = PERIOD_COMMA_2.matcher(s).replaceAll(" $1 $2");
        s = DASH.matcher(s).replaceAll("$1 $2 ");
        return split(s);
    }

    /** Corpus BLEU-4 of hypotheses against their references (each hypothesis may have several), tokenized with 13a. */
    public static double bleu4(List<List<String>> references, List<String> hypotheses) {
        if (references.size() != hypotheses.size()) throw new IllegalArgumentException("one list of references per hypothesis");
        long[] matches = new long[4], possible = new long[4];
        long refLength = 0, hypLength = 0;
        for (int k = 0; k < hypotheses.size(); k++) {
            List<String> hyp = tokenize13a(hypotheses.get(k));
            List<List<String>> refs = references.get(k).stream().map(TextMetrics::tokenize13a).toList();
            refLength += refs.stream().mapToInt(List::size).min().orElse(0);
            hypLength += hyp.size();
            Map<String, Integer> maxRef = new HashMap<>();
            for (List<String> r : refs) ngrams(r).forEach((g, c) -> maxRef.merge(g, c, Math::max));
            for (var e : ngrams(hyp).entrySet()) {
                int order = e.getKey().split(" ", -1).length;
                matches[order - 1] += Math.min(e.getValue(), maxRef.getOrDefault(e.getKey(), 0));
            }
            for (int n = 1; n <= 4; n++) possible[n - 1] += Math.max(0, hyp.size() - n + 1);
        }
        double logSum = 0;
        for (int n = 0; n < 4; n++) {
            double p = possible[n] > 0 ? (double) matches[n] / possible[n] : 0;
            if (p <= 0) return 0;
            logSum += Math.log(p);
        }
        double geo = Math.exp(logSum / 4);
        double ratio = refLength == 0 ? 0 : (double) hypLength / refLength;
        double bp = ratio > 1 ? 1 : ratio == 0 ? 0 : Math.exp(1 - 1 / ratio);
        return geo * bp;
    }

    private static Map<String, Integer> ngrams(List<String> tokens) {
        Map<String, Integer> m = new HashMap<>();
        for (int n = 1; n <= 4; n++) {
            for (int i = 0; i + n <= tokens.size(); i++) m.merge(String.join(" ", tokens.subList(i, i + n)), 1, Integer::sum);
        }
        return m;
    }

    /** ROUGE-L F1 with rouge_score's tokenizer (lower case, runs of non-alphanumerics split words). */
    public static double rougeL(String reference, String hypothesis) {
        List<String> r = rougeTokens(reference), h = rougeTokens(hypothesis);
        if (r.isEmpty() || h.isEmpty()) return 0;
        int lcs = lcs(r, h);
        if (lcs == 0) return 0;
        double p = (double) lcs / h.size(), rec = (double) lcs / r.size();
        return 2 * p * rec / (p + rec);
    }

    static List<String> rougeTokens(String s) {
        return split(s.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", " "));
    }

    private static int lcs(List<String> a, List<String> b) {
        int[] prev = new int[b.size() + 1], cur = new int[b.size() + 1];
        for (String x : a) {
            for (int j = 1; j <= b.size(); j++) cur[j] = x.equals(b.get(j - 1)) ? prev[j - 1] + 1 : Math.max(prev[j], cur[j - 1]);
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.size()];
    }

    /** METEOR of a hypothesis against one reference, both as raw text (split into words and punctuation, lower-cased). */
    public static double meteor(String reference, String hypothesis) {
        return meteor(words(reference), words(hypothesis));
    }

    /** METEOR on pre-tokenized text, as NLTK's single_meteor_score without the WordNet stage. */
    public static double meteor(List<String> reference, List<String> hypothesis) {
        List<int[]> matches = new ArrayList<>();
        List<Object[]> hyp = enumerate(hypothesis), ref = enumerate(reference);
        int hypLen = hyp.size(), refLen = ref.size();
        if (hypLen == 0 || refLen == 0) return 0;
        match(hyp, ref, matches);
        PorterStemmer stemmer = new PorterStemmer();
        for (List<Object[]> l : List.of(hyp, ref)) {
            for (Object[] e : l) {
                stemmer.setCurrent((String) e[1]);
                stemmer.stem();
                e[1] = stemmer.getCurrent();
            }
        }
        match(hyp, ref, matches);
        matches.sort((x, y) -> Integer.compare(x[0], y[0]));
        int m = matches.size();
        if (m == 0) return 0;
        double precision = (double) m / hypLen, recall = (double) m / refLen;
        double alpha = 0.9, beta = 3, gamma = 0.5;
        double fmean = precision * recall / (alpha * precision + (1 - alpha) * recall);
        int chunks = 1;
        for (int i = 0; i < m - 1; i++) {
            if (!(matches.get(i + 1)[0] == matches.get(i)[0] + 1 && matches.get(i + 1)[1] == matches.get(i)[1] + 1)) chunks++;
        }
        double penalty = gamma * Math.pow((double) chunks / m, beta);
        return (1 - penalty) * fmean;
    }

    private static List<Object[]> enumerate(List<String> words) {
        List<Object[]> l = new ArrayList<>();
        for (int i = 0; i < words.size(); i++) l.add(new Object[]{i, words.get(i).toLowerCase(Locale.ROOT)});
        return l;
    }

    /** NLTK's _match_enums: from the last hypothesis word backwards, each takes the last equal reference word left. */
    private static void match(List<Object[]> hyp, List<Object[]> ref, List<int[]> out) {
        for (int i = hyp.size() - 1; i >= 0; i--) {
            for (int j = ref.size() - 1; j >= 0; j--) {
                if (hyp.get(i)[1].equals(ref.get(j)[1])) {
                    out.add(new int[]{(Integer) hyp.get(i)[0], (Integer) ref.get(j)[0]});
                    hyp.remove(i);
                    ref.remove(j);
                    break;
                }
            }
        }
    }

    static List<String> words(String s) {
        List<String> out = new ArrayList<>();
        var m = WORD.matcher(s);
        while (m.find()) out.add(m.group());
        return out;
    }

    private static List<String> split(String s) {
        List<String> out = new ArrayList<>();
        for (String t : s.strip().split("\\s+")) if (!t.isEmpty()) out.add(t);
        return out;
    }
}
