package carto.inference.model;

import carto.inference.gguf.GgufException;
import carto.inference.kv.KvCache;
import carto.inference.gguf.GgufFile;
import carto.inference.gguf.GgmlType;
import carto.inference.gguf.GgufTensor;
import carto.inference.tensor.Q4_0Matrix;
import carto.inference.tensor.WeightMatrix;
import carto.inference.tensor.Workers;
import carto.inference.tokenizer.Tokenizer;
import carto.inference.tokenizer.Vocabulary;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.nio.file.Path;

/**
 * A loaded GGUF model: config, memory-mapped weights, tokenizer, and the transformer forward
 * pass shared by every {@link Family}. Prompts run batched (each weight row dequantized once per
 * batch); decoding runs one token at a time on the fused quantized dot kernels.
 */
public final class Model implements AutoCloseable {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;

    private final GgufFile file;
    private final ModelConfig config;
    private final Weights weights;
    private final Tokenizer tokenizer;
    private final Rope rope;
    private final Workers workers;
    private final int batchSize;

    private Model(GgufFile file, ModelConfig config, Weights weights, Tokenizer tokenizer, Workers workers, int batchSize) {
        this.file = file;
        this.config = config;
        this.weights = weights;
        this.tokenizer = tokenizer;
        this.workers = workers;
        this.batchSize = batchSize;
        this.rope = new Rope(config.family().ropeStyle(), config.ropeDims(), config.ropeBase(), config.ropeScaling(),
                config.ropeScaleFactor(), config.ropeOrigContext(), weights.ropeFreqFactors, config.yarnAttnFactor(),
                config.yarnBetaFast(), config.yarnBetaSlow());
    }

    /**
     * Maps and checks a model file. Nothing is copied but the small norm vectors and the matrices
     * a kernel repacks for speed (Q4_0 on 512-bit machines). {@code -Dcarto.quantizeActivations=true}
     * lets such kernels quantize activations to 8 bits per block as llama.cpp does: faster, and
     * llama.cpp's result rather than the exact one ({@link WeightMatrix#quantizesActivations}).
     */
    public static Model load(Path path, int threads) {
        return load(path, threads, true, Boolean.getBoolean("carto.quantizeActivations"));
    }

    /** {@code repack = false}: every matrix stays mapped in its file's layout. */
    static Model load(Path path, int threads, boolean repack, boolean quantizeActivations) {
        GgufFile f = GgufFile.open(path);
        try {
            ModelConfig c = ModelConfig.from(f);
            long physical = physicalMemory();
            if (f.fileSize() > physical) {
                throw new GgufException(path, String.format(java.util.Locale.ROOT,
                        "the model's weights (%.1f GiB) are larger than this machine's memory (%.1f GiB); it would page from disk on every token. "
                                + "Use a smaller model or a smaller quantization (e.g. Q4_K_M)", f.fileSize() / 1073741824.0, physical / 1073741824.0));
            }
            Weights w = new Weights(f, c, repack, quantizeActivations);
            Vocabulary v = Vocabulary.from(f);
            if (v.size() < c.vocab()) {
                throw new GgufException(path, "vocabulary has " + v.size() + " tokens but the output layer has " + c.vocab() + " rows");
            }
            return new Model(f, c, w, Tokenizer.of(v), Workers.shared(threads), 256);
        } catch (RuntimeException e) {
            f.close();
            throw e;
        }
    }

    public ModelConfig config() { return config; }
    public Weights weights() { return weights; }
    public Tokenizer tokenizer() { return tokenizer; }
    public Vocabulary vocabulary() { return tokenizer.vocabulary(); }
    public Rope rope() { return rope; }
    public GgufFile file() { return file; }
    public Workers workers() { return workers; }

    public KvCache newCache(int positions) {
        if (positions <= 0) throw new IllegalArgumentException("context size must be positive, got " + positions);
        long bytes = KvCache.bytesFor(config, positions);
        Runtime rt = Runtime.getRuntime();
        long available = rt.maxMemory() - (rt.totalMemory() - rt.freeMemory());
        if (bytes > available) {
            throw new ContextOverflowException(String.format(java.util.Locale.ROOT,
                    "%s: a %,d-token context needs a %.1f GiB KV cache but only %.1f GiB of Java heap is free; use a smaller --ctx, "
                            + "or give the JVM more memory (CARTO_JAVA_OPTS=-Xmx...)", file.path().getFileName(), positions, bytes / 1073741824.0,
                    available / 1073741824.0));
        }
        return new KvCache(config, positions);
    }

    /** Scratch activations for a batch of n tokens. */
    private final class Batch {
        final int n;
        final float[] x, xb, xb2, q, k, v, att, hb, hb2;

        Batch(int n) {
            this.n = n;
            ModelConfig c = config;
            x = new float[n * c.embd()];
            xb = new float[n * c.embd()];
            xb2 = new float[n * c.embd()];
            q = new float[n * c.qDim()];
            k = new float[n * c.kvDim()];
            v = new float[n * c.kvDim()];
            att = new float[n * c.qDim()];
            hb = new float[n * c.ffn()];
            hb2 = new float[n * c.ffn()];
        }
    }

    /**
     * Runs {@code tokens} at positions {@code start .. start+n-1}, writing their keys and values
     * into the cache at those positions and attending to every cached position before each.
     * Returns the logits of the last token, or of every token when {@code allLogits}
     * ({@code n * vocab} values). The cache length becomes at least {@code start + n}.
     */
    public float[] forward(KvCache cache, int[] tokens, int start, boolean allLogits) {
        return run(cache, tokens, start, allLogits, true);
    }

    /**
     * Writes the keys and values of {@code tokens} at positions {@code start ..} into the cache
     * without computing logits (nor the last layer's work after its keys and values): what a
     * cache edit needs for tokens in the middle of a sequence.
     */
    public void encode(KvCache cache, int[] tokens, int start) {
        run(cache, tokens, start, false, false);
    }

    private float[] run(KvCache cache, int[] tokens, int start, boolean allLogits, boolean output) {
        int n = tokens.length;
        if (n == 0) throw new IllegalArgumentException("no tokens to run");
        if (start < 0 || start + n > cache.capacity()) {
            throw new ContextOverflowException("context overflow: " + n + " tokens at position " + start + " need " + (start + n)
                    + " positions but the context holds " + cache.capacity() + ". Shorten the input or start with a larger context (--ctx).");
        }
        for (int t : tokens) {
            if (t < 0 || t >= config.vocab()) throw new IllegalArgumentException("token id " + t + " is outside the vocabulary (0.." + (config.vocab() - 1) + ")");
        }
        float[] result = allLogits ? new float[n * config.vocab()] : null;
        float[] last = null;
        for (int off = 0; off < n; off += batchSize) {
            int m = Math.min(batchSize, n - off);
            int[] chunk = java.util.Arrays.copyOfRange(tokens, off, off + m);
            float[] logits = forwardBatch(cache, chunk, start + off, allLogits, output);
            if (!output) continue;
            if (allLogits) System.arraycopy(logits, 0, result, off * config.vocab(), logits.length);
            else last = logits;
        }
        cache.setLength(Math.max(cache.length(), start + n));
        return allLogits ? result : last;
    }

    private float[] forwardBatch(KvCache cache, int[] tokens, int start, boolean allLogits, boolean output) {
        ModelConfig c = config;
        int n = tokens.length, embd = c.embd(), qDim = c.qDim(), kvDim = c.kvDim(), ffn = c.ffn();
        Batch b = new Batch(n);
        for (int t = 0; t < n; t++) weights.tokenEmbedding.dequantizeRow(tokens[t], b.x, t * embd);
        float[][] angles = new float[n][c.ropeDims()];
        for (int t = 0; t < n; t++) rope.angles(start + t, angles[t]);
        for (int l = 0; l < c.layers(); l++) {
            Weights.Layer w = weights.layers[l];
            for (int t = 0; t < n; t++) rmsnorm(b.x, t * embd, w.attnNorm(), b.xb, t * embd, embd, c.rmsEps());
            if (n == 1) {
                WeightMatrix.matvec(workers, new WeightMatrix[]{w.wq(), w.wk(), w.wv()}, b.xb, new float[][]{b.q, b.k, b.v});
            } else {
                w.wq().matmul(workers, b.xb, n, embd, b.q, qDim);
                w.wk().matmul(workers, b.xb, n, embd, b.k, kvDim);
                w.wv().matmul(workers, b.xb, n, embd, b.v, kvDim);
            }
            for (int t = 0; t < n; t++) {
                if (w.bq() != null) addInPlace(b.q, t * qDim, w.bq(), qDim);
                if (w.bk() != null) addInPlace(b.k, t * kvDim, w.bk(), kvDim);
                if (w.bv() != null) addInPlace(b.v, t * kvDim, w.bv(), kvDim);
                for (int h = 0; h < c.heads(); h++) rope.rotate(b.q, t * qDim + h * c.headDim(), angles[t]);
                for (int h = 0; h < c.kvHeads(); h++) rope.rotate(b.k, t * kvDim + h * c.headDim(), angles[t]);
                System.arraycopy(b.k, t * kvDim, cache.keys(l), cache.offset(start + t), kvDim);
                System.arraycopy(b.v, t * kvDim, cache.values(l), cache.offset(start + t), kvDim);
            }
            if (!output && l == c.layers() - 1) return null; // the cache is complete
            attention(cache, l, b, start);
            w.wo().matmul(workers, b.att, n, qDim, b.xb2, embd);
            addInPlace(b.x, 0, b.xb2, n * embd);
            for (int t = 0; t < n; t++) rmsnorm(b.x, t * embd, w.ffnNorm(), b.xb, t * embd, embd, c.rmsEps());
            if (n == 1) {
                WeightMatrix.matvec(workers, new WeightMatrix[]{w.gate(), w.up()}, b.xb, new float[][]{b.hb, b.hb2});
            } else {
                w.gate().matmul(workers, b.xb, n, embd, b.hb, ffn);
                w.up().matmul(workers, b.xb, n, embd, b.hb2, ffn);
            }
            swiglu(b.hb, b.hb2, n * ffn);
            w.down().matmul(workers, b.hb, n, ffn, b.xb2, embd);
            addInPlace(b.x, 0, b.xb2, n * embd);
        }
        int vocab = c.vocab();
        if (allLogits) {
            for (int t = 0; t < n; t++) rmsnorm(b.x, t * embd, weights.outputNorm, b.xb, t * embd, embd, c.rmsEps());
            float[] logits = new float[n * vocab];
            weights.output.matmul(workers, b.xb, n, embd, logits, vocab);
            return logits;
        }
        float[] xl = new float[embd];
        rmsnorm(b.x, (n - 1) * embd, weights.outputNorm, xl, 0, embd, c.rmsEps());
        float[] logits = new float[vocab];
        weights.output.matvec(workers, xl, 0, logits, 0);
        return logits;
    }

    private void attention(KvCache cache, int layer, Batch b, int start) {
        ModelConfig c = config;
        int heads = c.heads(), hd = c.headDim(), group = heads / c.kvHeads(), qDim = c.qDim(), kvDim = c.kvDim();
        float scale = (float) (1.0 / Math.sqrt(hd));
        float[] keys = cache.keys(layer), values = cache.values(layer);
        boolean fast = F.length() >= 8 && hd % (4 * F.length()) == 0;
        workers.parallelFor(b.n * heads, 1, (from, to) -> {
            float[] scores = new float[start + b.n];
            for (int item = from; item < to; item++) {
                int t = item / heads, h = item % heads;
                int kvh = h / group;
                int qOff = t * qDim + h * hd;
                int len = start + t + 1;
                if (fast) {
                    attendHead(b.q, qOff, keys, values, kvDim, kvh * hd, len, scores, b.att, t * qDim + h * hd, hd, scale);
                    continue;
                }
                float max = Float.NEGATIVE_INFINITY;
                for (int p = 0; p < len; p++) {
                    float s = dot(b.q, qOff, keys, p * kvDim + kvh * hd, hd) * scale;
                    scores[p] = s;
                    if (s > max) max = s;
                }
                double sum = 0;
                for (int p = 0; p < len; p++) {
                    float e = (float) Math.exp(scores[p] - max);
                    scores[p] = e;
                    sum += e;
                }
                float inv = (float) (1.0 / sum);
                int oOff = t * qDim + h * hd;
                java.util.Arrays.fill(b.att, oOff, oOff + hd, 0f);
                for (int p = 0; p < len; p++) axpy(scores[p] * inv, values, p * kvDim + kvh * hd, b.att, oOff, hd);
            }
        });
    }

    /**
     * One head's attention over positions [0, len) when the head size is a multiple of four
     * vectors: scores with the query held in registers, a vectorized softmax, and the weighted
     * sum of values accumulated in registers, four vectors of the head at a time.
     */
    static void attendHead(float[] q, int qOff, float[] keys, float[] values, int kvDim, int kvOff, int len, float[] scores,
                           float[] out, int oOff, int hd, float scale) {
        int l = F.length();
        java.util.Arrays.fill(scores, 0, len, 0f);
        for (int c = 0; c < hd; c += 4 * l) {
            FloatVector q0 = FloatVector.fromArray(F, q, qOff + c).mul(scale), q1 = FloatVector.fromArray(F, q, qOff + c + l).mul(scale);
            FloatVector q2 = FloatVector.fromArray(F, q, qOff + c + 2 * l).mul(scale), q3 = FloatVector.fromArray(F, q, qOff + c + 3 * l).mul(scale);
            for (int p = 0; p < len; p++) {
                int o = p * kvDim + kvOff + c;
                FloatVector acc = q0.mul(FloatVector.fromArray(F, keys, o)).add(q1.mul(FloatVector.fromArray(F, keys, o + l)))
                        .add(q2.mul(FloatVector.fromArray(F, keys, o + 2 * l)).add(q3.mul(FloatVector.fromArray(F, keys, o + 3 * l))));
                scores[p] += acc.reduceLanes(VectorOperators.ADD);
            }
        }
        float max = Float.NEGATIVE_INFINITY;
        for (int p = 0; p < len; p++) max = Math.max(max, scores[p]);
        FloatVector vmax = FloatVector.broadcast(F, max), vsum = FloatVector.zero(F);
        int p = 0;
        for (int upper = F.loopBound(len); p < upper; p += l) {
            FloatVector e = FloatVector.fromArray(F, scores, p).sub(vmax).lanewise(VectorOperators.EXP);
            e.intoArray(scores, p);
            vsum = vsum.add(e);
        }
        float sum = vsum.reduceLanes(VectorOperators.ADD);
        for (; p < len; p++) {
            float e = (float) Math.exp(scores[p] - max);
            scores[p] = e;
            sum += e;
        }
        float inv = 1f / sum;
        for (int c = 0; c < hd; c += 4 * l) {
            FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
            for (p = 0; p < len; p++) {
                int o = p * kvDim + kvOff + c;
                FloatVector w = FloatVector.broadcast(F, scores[p]);
                a0 = FloatVector.fromArray(F, values, o).fma(w, a0);
                a1 = FloatVector.fromArray(F, values, o + l).fma(w, a1);
                a2 = FloatVector.fromArray(F, values, o + 2 * l).fma(w, a2);
                a3 = FloatVector.fromArray(F, values, o + 3 * l).fma(w, a3);
            }
            a0.mul(inv).intoArray(out, oOff + c);
            a1.mul(inv).intoArray(out, oOff + c + l);
            a2.mul(inv).intoArray(out, oOff + c + 2 * l);
            a3.mul(inv).intoArray(out, oOff + c + 3 * l);
        }
    }

    /**
     * In ggml's order of roundings (float squares summed in double, the scale as 1.0f / sqrtf):
     * with activations quantized afterwards, a last-bit difference here decides values that
     * fall on a rounding tie, which a quantized embedding makes common.
     */
    static void rmsnorm(float[] x, int xOff, float[] w, float[] out, int outOff, int n, float eps) {
        double ss = 0;
        for (int i = 0; i < n; i++) {
            float sq = x[xOff + i] * x[xOff + i];
            ss += sq;
        }
        float scale = 1.0f / (float) Math.sqrt((float) (ss / n) + eps);
        for (int i = 0; i < n; i++) out[outOff + i] = x[xOff + i] * scale * w[i];
    }

    static void addInPlace(float[] a, int off, float[] b, int n) {
        int i = 0;
        int upper = F.loopBound(n);
        if (F.length() >= 8) {
            for (; i < upper; i += F.length()) {
                FloatVector.fromArray(F, a, off + i).add(FloatVector.fromArray(F, b, i)).intoArray(a, off + i);
            }
        }
        for (; i < n; i++) a[off + i] += b[i];
    }

    /** gate = silu(gate) * up, vectorized: the scalar exp was 3% of a decode step. */
    static void swiglu(float[] gate, float[] up, int n) {
        int i = 0;
        if (F.length() >= 8) {
            FloatVector one = FloatVector.broadcast(F, 1f);
            for (int upper = F.loopBound(n); i < upper; i += F.length()) {
                FloatVector g = FloatVector.fromArray(F, gate, i);
                g.div(g.neg().lanewise(VectorOperators.EXP).add(one)).mul(FloatVector.fromArray(F, up, i)).intoArray(gate, i);
            }
        }
        for (; i < n; i++) {
            float g = gate[i];
            gate[i] = g / (1.0f + (float) Math.exp(-g)) * up[i];
        }
    }

    static float dot(float[] a, int aOff, float[] b, int bOff, int n) {
        int i = 0;
        float s = 0;
        if (F.length() >= 8 && n >= F.length()) {
            FloatVector acc = FloatVector.zero(F);
            int upper = F.loopBound(n);
            for (; i < upper; i += F.length()) {
                acc = FloatVector.fromArray(F, a, aOff + i).fma(FloatVector.fromArray(F, b, bOff + i), acc);
            }
            s = acc.reduceLanes(VectorOperators.ADD);
        }
        for (; i < n; i++) s += a[aOff + i] * b[bOff + i];
        return s;
    }

    static void axpy(float alpha, float[] x, int xOff, float[] y, int yOff, int n) {
        int i = 0;
        if (F.length() >= 8 && n >= F.length()) {
            FloatVector a = FloatVector.broadcast(F, alpha);
            int upper = F.loopBound(n);
            for (; i < upper; i += F.length()) {
                FloatVector.fromArray(F, x, xOff + i).fma(a, FloatVector.fromArray(F, y, yOff + i)).intoArray(y, yOff + i);
            }
        }
        for (; i < n; i++) y[yOff + i] += alpha * x[xOff + i];
    }

    /** Physical memory of the machine (Long.MAX_VALUE when unknown); -Dcarto.physicalMemory overrides it for tests. */
    static long physicalMemory() {
        Long forced = Long.getLong("carto.physicalMemory");
        if (forced != null) return forced;
        var os = java.lang.management.ManagementFactory.getOperatingSystemMXBean();
        return os instanceof com.sun.management.OperatingSystemMXBean o ? o.getTotalMemorySize() : Long.MAX_VALUE;
    }

    /**
     * Estimated bytes to run with a context of {@code ctx} positions: the mapped file, the copies
     * kernels make at load (repacked Q4_0 on 512-bit machines), KV cache and activations.
     */
    public static long memoryEstimate(GgufFile f, ModelConfig c, int ctx, int batch) {
        long activations = (long) batch * (3L * c.embd() + 2L * c.qDim() + 2L * c.kvDim() + 2L * c.ffn()) * 4 + (long) c.vocab() * 4;
        long repacked = 0;
        for (GgufTensor t : f.tensors()) {
            if (t.type() == GgmlType.Q4_0 && t.dims().length == 2) repacked += Q4_0Matrix.repackedBytes(t.dims()[1], t.dims()[0]);
        }
        return f.fileSize() + repacked + KvCache.bytesFor(c, ctx) + activations;
    }

    @Override
    public void close() {
        file.close();
    }

    /** Exposed for kernels' users that need the matrix of a token embedding row. */
    public WeightMatrix outputMatrix() {
        return weights.output;
    }
}
