package carto.inference.model;

import carto.inference.gguf.GgufException;
import carto.inference.gguf.GgufFile;

import java.util.Locale;

/** Hyper-parameters of a model, read from GGUF metadata and checked for consistency. */
public record ModelConfig(
        String arch, Family family, String name,
        int embd, int layers, int heads, int kvHeads, int headDim, int ffn, int vocab, int contextTrain,
        float rmsEps, int ropeDims, float ropeBase, Rope.Scaling ropeScaling, float ropeScaleFactor,
        int ropeOrigContext, float yarnAttnFactor, float yarnBetaFast, float yarnBetaSlow) {

    public int qDim() { return heads * headDim; }
    public int kvDim() { return kvHeads * headDim; }

    public static ModelConfig from(GgufFile f) {
        String arch = f.getString("general.architecture", null);
        if (arch == null) throw new GgufException(f.path(), "has no general.architecture; it is not a model file (a vocab-only GGUF?)");
        Family family = Family.forArch(arch);
        if (family == null) {
            throw new GgufException(f.path(), "architecture '" + arch + "' is not supported; Carto runs " + Family.supported()
                    + ". Use a model of one of those families (Qwen2.5-Coder, DeepSeek-Coder, CodeLlama, Llama 3.x, SmolLM2, TinyLlama...)");
        }
        String p = arch + ".";
        int embd = required(f, p + "embedding_length");
        int layers = required(f, p + "block_count");
        int heads = required(f, p + "attention.head_count");
        int kvHeads = f.getInt(p + "attention.head_count_kv", heads);
        int ffn = required(f, p + "feed_forward_length");
        int headDim = f.getInt(p + "attention.key_length", heads > 0 ? embd / heads : 0);
        int ctx = f.getInt(p + "context_length", 2048);
        float eps = f.getFloat(p + "attention.layer_norm_rms_epsilon", 1e-5f);
        int ropeDims = f.getInt(p + "rope.dimension_count", headDim);
        float base = f.getFloat(p + "rope.freq_base", 10000f);
        String st = f.getString(p + "rope.scaling.type", "none").toLowerCase(Locale.ROOT);
        Rope.Scaling scaling = switch (st) {
            case "none", "" -> Rope.Scaling.NONE;
            case "linear" -> Rope.Scaling.LINEAR;
            case "yarn" -> Rope.Scaling.YARN;
            default -> throw new GgufException(f.path(), "rope scaling type '" + st + "' is not supported (none, linear, yarn)");
        };
        float factor = f.getFloat(p + "rope.scaling.factor", 0f);
        if (f.has(p + "rope.scale_linear") && scaling == Rope.Scaling.NONE) {
            scaling = Rope.Scaling.LINEAR;
            factor = f.getFloat(p + "rope.scale_linear", 1f);
        }
        int orig = f.getInt(p + "rope.scaling.original_context_length", ctx);
        float attnFactor = f.getFloat(p + "rope.scaling.attn_factor", 1.0f);
        float betaFast = f.getFloat(p + "rope.scaling.yarn_beta_fast", 32.0f);
        float betaSlow = f.getFloat(p + "rope.scaling.yarn_beta_slow", 1.0f);
        String[] tokens = f.getStrings("tokenizer.ggml.tokens");
        var embd0 = f.tensor("token_embd.weight");
        int vocab = embd0 != null && embd0.dims().length == 2 ? (int) embd0.dims()[1]
                : f.getInt(p + "vocab_size", tokens != null ? tokens.length : 0);
        if (heads <= 0 || kvHeads <= 0 || heads % kvHeads != 0) {
            throw new GgufException(f.path(), "inconsistent attention heads: " + heads + " query heads and " + kvHeads + " key/value heads (must divide evenly)");
        }
        if (ropeDims > headDim || ropeDims % 2 != 0) {
            throw new GgufException(f.path(), "rope.dimension_count " + ropeDims + " does not fit head size " + headDim);
        }
        if (vocab <= 0) throw new GgufException(f.path(), "vocabulary size is unknown (no tokens and no vocab_size)");
        return new ModelConfig(arch, family, f.getString("general.name", f.path().getFileName().toString()),
                embd, layers, heads, kvHeads, headDim, ffn, vocab, ctx, eps, ropeDims, base, scaling, factor, orig,
                attnFactor, betaFast, betaSlow);
    }

    private static int required(GgufFile f, String key) {
        if (!f.has(key)) throw new GgufException(f.path(), "required metadata '" + key + "' is missing");
        int v = f.getInt(key, 0);
        if (v <= 0 || v > 1 << 24) throw new GgufException(f.path(), "metadata '" + key + "' = " + v + " is not a sensible size");
        return v;
    }
}
