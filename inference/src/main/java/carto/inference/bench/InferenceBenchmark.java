package carto.inference.bench;

import carto.inference.kv.KvCache;
import carto.inference.tensor.WeightMatrix;
import carto.inference.model.Model;
import carto.inference.tensor.Workers;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

/** Measures load time, prompt processing and generation speed, resident memory and how close decode gets to memory bandwidth. */
public final class InferenceBenchmark {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;

    public record Options(Path model, int threads, int promptTokens, int genTokens, int repeats) {}

    private InferenceBenchmark() {}

    public static Map<String, Object> run(Options o) {
        Map<String, Object> r = new LinkedHashMap<>();
        long t0 = System.nanoTime();
        try (Model model = Model.load(o.model(), o.threads())) {
            double loadSec = (System.nanoTime() - t0) / 1e9;
            var c = model.config();
            r.put("model", o.model().toString());
            r.put("arch", c.arch());
            r.put("name", c.name());
            r.put("threads", o.threads());
            r.put("weight_types", weightTypes(model));
            // repacked Q4_0 (512-bit machines): activations quantized to 8 bits per block, as llama.cpp does
            r.put("matrices_quantizing_activations", model.weights().matrices().stream().filter(WeightMatrix::quantizesActivations).count());
            r.put("load_seconds", round(loadSec, 3));
            SplittableRandom rnd = new SplittableRandom(42);
            int[] prompt = new int[o.promptTokens()];
            for (int i = 0; i < prompt.length; i++) prompt[i] = rnd.nextInt(Math.min(c.vocab(), 30000));
            int ctx = o.promptTokens() + o.genTokens() + 8;
            // warm-up: one untimed run of the whole measurement, so the JIT has compiled the
            // prompt and decode kernels before the clock starts (reported as warmup_seconds)
            long w0 = System.nanoTime();
            measure(model, prompt, o.genTokens(), ctx);
            r.put("warmup_seconds", round((System.nanoTime() - w0) / 1e9, 3));
            double[] pp = new double[Math.max(1, o.repeats())], gen = new double[pp.length];
            for (int rep = 0; rep < pp.length; rep++) {
                double[] m = measure(model, prompt, o.genTokens(), ctx);
                pp[rep] = m[0];
                gen[rep] = m[1];
            }
            double bestPp = java.util.Arrays.stream(pp).max().orElseThrow(), bestGen = java.util.Arrays.stream(gen).max().orElseThrow();
            r.put("prompt_tokens", o.promptTokens());
            r.put("prompt_tokens_per_second", round(bestPp, 1));
            r.put("generated_tokens", o.genTokens());
            r.put("generation_tokens_per_second", round(bestGen, 2));
            r.put("repeats", pp.length);
            r.put("prompt_tokens_per_second_median", round(median(pp), 1));
            r.put("generation_tokens_per_second_median", round(median(gen), 2));
            long bytesPerToken = model.weights().matrixBytes();
            r.put("weight_bytes_per_token", bytesPerToken);
            double bw = readBandwidth(model.workers());
            r.put("read_bandwidth_gb_per_second", round(bw / 1e9, 1));
            double bound = bw / bytesPerToken;
            r.put("bandwidth_bound_tokens_per_second", round(bound, 1));
            r.put("generation_fraction_of_bandwidth_bound", round(bestGen / bound, 3));
            r.put("kv_cache_bytes", KvCache.bytesFor(c, ctx));
            r.put("resident_memory_bytes", procStatus("VmRSS"));
            r.put("peak_resident_memory_bytes", procStatus("VmHWM"));
        }
        return r;
    }

    /** One prompt of {@code prompt} tokens then {@code genTokens} greedy steps: {prompt tokens/s, generation tokens/s}. */
    private static double[] measure(Model model, int[] prompt, int genTokens, int ctx) {
        KvCache cache = model.newCache(ctx);
        long a = System.nanoTime();
        float[] logits = model.forward(cache, prompt, 0, false);
        double pp = prompt.length / ((System.nanoTime() - a) / 1e9);
        int next = argmax(logits);
        long g = System.nanoTime();
        for (int i = 0; i < genTokens; i++) {
            logits = model.forward(cache, new int[]{next}, prompt.length + i, false);
            next = argmax(logits);
        }
        return new double[]{pp, genTokens / ((System.nanoTime() - g) / 1e9)};
    }

    static double median(double[] v) {
        double[] s = v.clone();
        java.util.Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    static String weightTypes(Model m) {
        Map<String, Integer> counts = new java.util.TreeMap<>();
        m.file().tensors().forEach(t -> counts.merge(t.type().name(), 1, Integer::sum));
        return counts.toString();
    }

    static int argmax(float[] v) {
        int best = 0;
        for (int i = 1; i < v.length; i++) if (v[i] > v[best]) best = i;
        return best;
    }

    /**
     * Streams a 1 GiB off-heap buffer with all threads and returns bytes per second: the best of
     * eight passes, because the first ones run before the JIT has compiled the reading loop (run
     * after the model's kernels it was seen at half the machine's bandwidth).
     */
    public static double readBandwidth(Workers workers) {
        long size = 1L << 30;
        try (Arena arena = Arena.ofShared()) {
            MemorySegment seg = arena.allocate(size, 64);
            seg.fill((byte) 1);
            double best = 0;
            int chunks = 4096;
            long chunk = size / chunks;
            float[] sink = new float[chunks];
            for (int rep = 0; rep < 8; rep++) {
                long a = System.nanoTime();
                workers.parallelFor(chunks, 1, (from, to) -> {
                    for (int c = from; c < to; c++) sink[c] = sum(seg, c * chunk, chunk);
                });
                double sec = (System.nanoTime() - a) / 1e9;
                best = Math.max(best, size / sec);
            }
            return best;
        }
    }

    /** The sum of {@code len} bytes of floats from {@code base}, with four independent accumulators so loads overlap. */
    private static float sum(MemorySegment seg, long base, long len) {
        FloatVector acc0 = FloatVector.zero(F), acc1 = acc0, acc2 = acc0, acc3 = acc0;
        int step = F.vectorByteSize();
        for (long off = 0; off < len; off += 4L * step) {
            acc0 = acc0.add(FloatVector.fromMemorySegment(F, seg, base + off, ByteOrder.LITTLE_ENDIAN));
            acc1 = acc1.add(FloatVector.fromMemorySegment(F, seg, base + off + step, ByteOrder.LITTLE_ENDIAN));
            acc2 = acc2.add(FloatVector.fromMemorySegment(F, seg, base + off + 2L * step, ByteOrder.LITTLE_ENDIAN));
            acc3 = acc3.add(FloatVector.fromMemorySegment(F, seg, base + off + 3L * step, ByteOrder.LITTLE_ENDIAN));
        }
        return acc0.add(acc1).add(acc2).add(acc3).reduceLanes(VectorOperators.ADD);
    }

    static long procStatus(String key) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith(key + ":")) return Long.parseLong(line.replaceAll("\\D", "")) * 1024;
            }
        } catch (IOException | RuntimeException ignored) {
            // not on Linux: report -1
        }
        return -1;
    }

    static double round(double v, int digits) {
        double p = Math.pow(10, digits);
        return Math.round(v * p) / p;
    }
}
