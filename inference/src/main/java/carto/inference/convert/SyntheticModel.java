package carto.inference.convert;

import carto.inference.gguf.GgmlType;
import carto.inference.gguf.GgufFile;
import carto.inference.gguf.GgufKv;
import carto.inference.gguf.GgufValueType;
import carto.inference.gguf.GgufWriter;
import carto.inference.tensor.Quantizer;
import carto.inference.tensor.Workers;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.function.Consumer;

/**
 * Writes a model with random weights in the exact shape of a real one, for speed and memory
 * work where the real weights cannot be downloaded. The tokenizer is copied from a vocab GGUF
 * when given, otherwise a byte-level vocabulary of the right size is generated.
 */
public final class SyntheticModel {
    /** A real model's dimensions. */
    public record Shape(String name, String arch, int embd, int layers, int heads, int kvHeads, int ffn, int vocab,
                        int context, float ropeBase, boolean tied) {}

    public static final List<Shape> SHAPES = List.of(
            new Shape("qwen2.5-coder-0.5b", "qwen2", 896, 24, 14, 2, 4864, 151936, 32768, 1_000_000f, true),
            new Shape("qwen2.5-coder-1.5b", "qwen2", 1536, 28, 12, 2, 8960, 151936, 32768, 1_000_000f, true),
            new Shape("deepseek-coder-1.3b", "llama", 2048, 24, 16, 16, 5504, 32256, 16384, 100_000f, false),
            new Shape("llama-3.2-1b", "llama", 2048, 16, 32, 8, 8192, 128256, 131072, 500_000f, true),
            new Shape("smollm2-135m", "llama", 576, 30, 9, 3, 1536, 49152, 8192, 100_000f, true),
            new Shape("tinyllama-1.1b", "llama", 2048, 22, 32, 4, 5632, 32000, 2048, 10_000f, false),
            new Shape("tiny-test", "qwen2", 128, 2, 4, 2, 256, 512, 4096, 10_000f, true));

    private SyntheticModel() {}

    public static Shape shape(String name) {
        for (Shape s : SHAPES) if (s.name.equalsIgnoreCase(name)) return s;
        throw new IllegalArgumentException("unknown shape '" + name + "'; known shapes: " + String.join(", ", SHAPES.stream().map(Shape::name).toList()));
    }

    /** Writes the model; {@code vocabFile} may be null. */
    public static void write(Shape s, GgmlType type, Path out, Path vocabFile, long seed, Consumer<String> progress) throws IOException {
        if (!Quantizer.canProduce(type)) throw new IllegalArgumentException("cannot write weights of type " + type + "; choose F32, F16, BF16, Q8_0 or Q4_0");
        GgufWriter w = new GgufWriter();
        String a = s.arch;
        int headDim = s.embd / s.heads;
        w.putString("general.architecture", a);
        w.putString("general.name", "synthetic-" + s.name + "-random");
        w.putUint32("general.file_type", ModelQuantizer.fileType(type));
        w.putUint32("general.quantization_version", 2);
        w.putUint32(a + ".context_length", s.context);
        w.putUint32(a + ".embedding_length", s.embd);
        w.putUint32(a + ".block_count", s.layers);
        w.putUint32(a + ".feed_forward_length", s.ffn);
        w.putUint32(a + ".attention.head_count", s.heads);
        w.putUint32(a + ".attention.head_count_kv", s.kvHeads);
        w.putUint32(a + ".rope.dimension_count", headDim);
        w.putFloat32(a + ".rope.freq_base", s.ropeBase);
        w.putFloat32(a + ".attention.layer_norm_rms_epsilon", 1e-6f);
        if (vocabFile != null) {
            try (GgufFile v = GgufFile.open(vocabFile)) {
                for (GgufKv kv : v.metadata().values()) if (kv.key().startsWith("tokenizer.")) w.put(kv);
                String[] toks = v.getStrings("tokenizer.ggml.tokens");
                if (toks == null || toks.length != s.vocab) {
                    throw new IllegalArgumentException("vocab file " + vocabFile + " has " + (toks == null ? 0 : toks.length)
                            + " tokens; shape " + s.name + " needs " + s.vocab);
                }
            }
        } else {
            byteLevelVocab(w, s.vocab);
        }
        SplittableRandom root = new SplittableRandom(seed);
        Workers workers = Workers.shared(Workers.defaultThreads());
        add(w, "token_embd.weight", type, s.embd, s.vocab, 0.02f, root.split(), workers, progress);
        for (int l = 0; l < s.layers; l++) {
            String b = "blk." + l + ".";
            norm(w, b + "attn_norm.weight", s.embd);
            add(w, b + "attn_q.weight", type, s.embd, s.heads * headDim, 0.05f, root.split(), workers, progress);
            add(w, b + "attn_k.weight", type, s.embd, s.kvHeads * headDim, 0.05f, root.split(), workers, progress);
            add(w, b + "attn_v.weight", type, s.embd, s.kvHeads * headDim, 0.05f, root.split(), workers, progress);
            if (a.equals("qwen2")) {
                vector(w, b + "attn_q.bias", s.heads * headDim, 0.02f, root.split());
                vector(w, b + "attn_k.bias", s.kvHeads * headDim, 0.02f, root.split());
                vector(w, b + "attn_v.bias", s.kvHeads * headDim, 0.02f, root.split());
            }
            add(w, b + "attn_output.weight", type, s.heads * headDim, s.embd, 0.05f, root.split(), workers, progress);
            norm(w, b + "ffn_norm.weight", s.embd);
            add(w, b + "ffn_gate.weight", type, s.embd, s.ffn, 0.05f, root.split(), workers, progress);
            add(w, b + "ffn_up.weight", type, s.embd, s.ffn, 0.05f, root.split(), workers, progress);
            add(w, b + "ffn_down.weight", type, s.ffn, s.embd, 0.05f, root.split(), workers, progress);
        }
        norm(w, "output_norm.weight", s.embd);
        if (!s.tied) add(w, "output.weight", type, s.embd, s.vocab, 0.02f, root.split(), workers, progress);
        w.write(out);
    }

    private static void byteLevelVocab(GgufWriter w, int n) {
        String[] tokens = new String[n];
        int[] types = new int[n];
        float[] scores = new float[n];
        for (int b = 0; b < 256; b++) {
            tokens[b] = byteChar(b);
            types[b] = 1;
        }
        for (int i = 256; i < n - 1; i++) {
            tokens[i] = "<|synthetic_" + i + "|>";
            types[i] = 5;
        }
        tokens[n - 1] = "<|endoftext|>";
        types[n - 1] = 3;
        w.putString("tokenizer.ggml.model", "gpt2");
        w.putString("tokenizer.ggml.pre", "qwen2");
        w.putStrings("tokenizer.ggml.tokens", tokens);
        w.putInts("tokenizer.ggml.token_type", types);
        w.putFloats("tokenizer.ggml.scores", scores);
        w.putStrings("tokenizer.ggml.merges", new String[0]);
        w.putUint32("tokenizer.ggml.bos_token_id", n - 1);
        w.putUint32("tokenizer.ggml.eos_token_id", n - 1);
        w.putBool("tokenizer.ggml.add_bos_token", false);
    }

    /** GPT-2 byte-to-character mapping, so the generated vocabulary round-trips every byte. */
    private static String byteChar(int b) {
        boolean printable = (b >= 0x21 && b <= 0x7E) || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
        if (printable) return String.valueOf((char) b);
        int n = 0;
        for (int i = 0; i < b; i++) {
            boolean p = (i >= 0x21 && i <= 0x7E) || (i >= 0xA1 && i <= 0xAC) || (i >= 0xAE && i <= 0xFF);
            if (!p) n++;
        }
        return String.valueOf((char) (256 + n));
    }

    private static void norm(GgufWriter w, String name, int n) {
        float[] v = new float[n];
        Arrays.fill(v, 1.0f);
        w.addTensor(name, GgmlType.F32, new long[]{n}, MemorySegment.ofArray(v));
    }

    private static void vector(GgufWriter w, String name, int n, float std, SplittableRandom rng) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) (rng.nextGaussian() * std);
        w.addTensor(name, GgmlType.F32, new long[]{n}, MemorySegment.ofArray(v));
    }

    private static void add(GgufWriter w, String name, GgmlType type, int cols, int rows, float std, SplittableRandom rng,
                            Workers workers, Consumer<String> progress) {
        long seed = rng.nextLong();
        w.addTensor(name, type, new long[]{cols, rows}, () -> {
            MemorySegment buf = Arena.ofAuto().allocate(type.bytesFor((long) cols * rows), 64);
            long rowBytes = type.bytesFor(cols);
            workers.parallelFor(rows, 64, (from, to) -> {
                float[] row = new float[cols];
                for (int r = from; r < to; r++) {
                    SplittableRandom g = new SplittableRandom(seed ^ (r * 0x9E3779B97F4A7C15L));
                    for (int c = 0; c < cols; c++) row[c] = (float) (g.nextGaussian() * std);
                    Quantizer.quantize(type, row, 0, cols, buf, r * rowBytes);
                }
            });
            if (progress != null) progress.accept(String.format(Locale.ROOT, "%s %s [%d x %d]", name, type, rows, cols));
            return buf;
        });
    }
}
