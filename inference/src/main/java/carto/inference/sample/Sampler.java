package carto.inference.sample;

import java.util.Arrays;
import java.util.SplittableRandom;

/** Picks tokens from logits according to {@link SamplingParams}; one instance per generation (it owns the RNG). */
public final class Sampler {
    private final SamplingParams p;
    private final SplittableRandom random;

    public Sampler(SamplingParams p) {
        this.p = p;
        this.random = new SplittableRandom(p.seed());
    }

    /** Chooses the next token; {@code history} holds the tokens so far (for the repetition penalty). */
    public int sample(float[] logits, int[] history, int historyLength) {
        float[] l = logits;
        if (p.repeatPenalty() != 1.0 && p.repeatLastN() > 0 && historyLength > 0) {
            l = logits.clone();
            boolean[] seen = new boolean[l.length];
            for (int i = Math.max(0, historyLength - p.repeatLastN()); i < historyLength; i++) {
                int t = history[i];
                if (t < 0 || t >= l.length || seen[t]) continue;
                seen[t] = true;
                l[t] = l[t] > 0 ? (float) (l[t] / p.repeatPenalty()) : (float) (l[t] * p.repeatPenalty());
            }
        }
        if (p.greedy()) return argmax(l);
        // candidates sorted by logit, descending
        int n = l.length;
        int k = p.topK() > 0 ? Math.min(p.topK(), n) : n;
        Integer[] idx = topK(l, k);
        double max = l[idx[0]];
        double[] probs = new double[idx.length];
        double sum = 0;
        for (int i = 0; i < idx.length; i++) {
            probs[i] = Math.exp((l[idx[i]] - max));
            sum += probs[i];
        }
        for (int i = 0; i < probs.length; i++) probs[i] /= sum;
        // top-p: smallest prefix whose mass reaches p
        int keep = probs.length;
        if (p.topP() < 1.0) {
            double cum = 0;
            for (int i = 0; i < probs.length; i++) {
                cum += probs[i];
                if (cum >= p.topP()) {
                    keep = i + 1;
                    break;
                }
            }
        }
        // min-p: drop tokens below min_p times the best probability
        if (p.minP() > 0) {
            double threshold = probs[0] * p.minP();
            int m = 1;
            while (m < keep && probs[m] >= threshold) m++;
            keep = m;
        }
        // temperature over the survivors
        double[] w = new double[keep];
        double total = 0;
        for (int i = 0; i < keep; i++) {
            w[i] = Math.exp((l[idx[i]] - max) / p.temperature());
            total += w[i];
        }
        double r = random.nextDouble() * total;
        for (int i = 0; i < keep; i++) {
            r -= w[i];
            if (r <= 0) return idx[i];
        }
        return idx[keep - 1];
    }

    public static int argmax(float[] v) {
        int best = 0;
        for (int i = 1; i < v.length; i++) if (v[i] > v[best]) best = i;
        return best;
    }

    /** Indices of the k largest values, descending (ties: lower index first). */
    static Integer[] topK(float[] l, int k) {
        if (k >= l.length) {
            Integer[] all = new Integer[l.length];
            for (int i = 0; i < l.length; i++) all[i] = i;
            Arrays.sort(all, (a, b) -> l[a] != l[b] ? Float.compare(l[b], l[a]) : Integer.compare(a, b));
            return all;
        }
        // bounded min-heap over (value, index)
        int[] heap = new int[k];
        int size = 0;
        for (int i = 0; i < l.length; i++) {
            if (size < k) {
                heap[size] = i;
                siftUp(heap, size++, l);
            } else if (less(heap[0], i, l)) {
                heap[0] = i;
                siftDown(heap, k, l);
            }
        }
        Integer[] out = new Integer[k];
        for (int i = 0; i < k; i++) out[i] = heap[i];
        Arrays.sort(out, (a, b) -> l[a] != l[b] ? Float.compare(l[b], l[a]) : Integer.compare(a, b));
        return out;
    }

    /** Heap order: a before b when a is "smaller" (lower logit, or equal logit and higher index). */
    private static boolean less(int a, int b, float[] l) {
        return l[a] < l[b] || (l[a] == l[b] && a > b);
    }

    private static void siftUp(int[] h, int i, float[] l) {
        while (i > 0) {
            int parent = (i - 1) / 2;
            if (!less(h[i], h[parent], l)) break;
            int t = h[i]; h[i] = h[parent]; h[parent] = t;
            i = parent;
        }
    }

    private static void siftDown(int[] h, int n, float[] l) {
        int i = 0;
        while (true) {
            int a = 2 * i + 1, b = a + 1, m = i;
            if (a < n && less(h[a], h[m], l)) m = a;
            if (b < n && less(h[b], h[m], l)) m = b;
            if (m == i) return;
            int t = h[i]; h[i] = h[m]; h[m] = t;
            i = m;
        }
    }
}
