package carto.inference.model;

import carto.inference.gguf.GgmlType;
import carto.inference.gguf.GgufException;
import carto.inference.gguf.GgufFile;
import carto.inference.gguf.GgufTensor;
import carto.inference.tensor.WeightMatrix;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * The tensors of a model, checked against its config and wrapped in kernels. Matrices stay
 * memory-mapped, except those a kernel repacks for decoding (Q4_0 on 512-bit machines).
 */
public final class Weights {
    public record Layer(float[] attnNorm, WeightMatrix wq, WeightMatrix wk, WeightMatrix wv, float[] bq, float[] bk, float[] bv,
                        WeightMatrix wo, float[] ffnNorm, WeightMatrix gate, WeightMatrix up, WeightMatrix down) {}

    public final WeightMatrix tokenEmbedding;
    public final Layer[] layers;
    public final float[] outputNorm;
    public final WeightMatrix output;
    public final float[] ropeFreqFactors;

    private final GgufFile file;
    private final boolean repack;
    private final boolean quantizeActivations;

    /** {@code repack}, {@code quantizeActivations}: see {@link WeightMatrix#forDecoding}. */
    Weights(GgufFile file, ModelConfig c, boolean repack, boolean quantizeActivations) {
        this.file = file;
        this.repack = repack;
        this.quantizeActivations = quantizeActivations;
        this.tokenEmbedding = matrix("token_embd.weight", c.vocab(), c.embd());
        this.layers = new Layer[c.layers()];
        for (int i = 0; i < c.layers(); i++) {
            String b = "blk." + i + ".";
            boolean bias = c.family().qkvBias();
            layers[i] = new Layer(
                    vector(b + "attn_norm.weight", c.embd()),
                    matrix(b + "attn_q.weight", c.qDim(), c.embd()),
                    matrix(b + "attn_k.weight", c.kvDim(), c.embd()),
                    matrix(b + "attn_v.weight", c.kvDim(), c.embd()),
                    bias ? optionalVector(b + "attn_q.bias", c.qDim()) : null,
                    bias ? optionalVector(b + "attn_k.bias", c.kvDim()) : null,
                    bias ? optionalVector(b + "attn_v.bias", c.kvDim()) : null,
                    matrix(b + "attn_output.weight", c.embd(), c.qDim()),
                    vector(b + "ffn_norm.weight", c.embd()),
                    matrix(b + "ffn_gate.weight", c.ffn(), c.embd()),
                    matrix(b + "ffn_up.weight", c.ffn(), c.embd()),
                    matrix(b + "ffn_down.weight", c.embd(), c.ffn()));
        }
        this.outputNorm = vector("output_norm.weight", c.embd());
        if (file.tensor("output.weight") != null) {
            this.output = matrix("output.weight", c.vocab(), c.embd());
        } else if (c.family().mayTieEmbeddings()) {
            this.output = tokenEmbedding;
        } else {
            throw new GgufException(file.path(), "tensor 'output.weight' is missing");
        }
        this.ropeFreqFactors = file.tensor("rope_freqs.weight") != null ? vector("rope_freqs.weight", c.ropeDims() / 2) : null;
    }

    private GgufTensor tensor(String name) {
        GgufTensor t = file.tensor(name);
        if (t == null) throw new GgufException(file.path(), "tensor '" + name + "' is missing; the file is incomplete or not a supported architecture");
        return t;
    }

    private WeightMatrix matrix(String name, int rows, int cols) {
        GgufTensor t = tensor(name);
        if (t.dims().length != 2 || t.dims()[0] != cols || t.dims()[1] != rows) {
            throw new GgufException(file.path(), "tensor '" + name + "' has shape " + t.shape() + " but the metadata implies [" + cols + ", " + rows + "]: inconsistent shapes");
        }
        if (!t.type().supported) {
            throw new GgufException(file.path(), "tensor '" + name + "' uses type " + t.type() + ", which Carto does not support; supported: "
                    + GgmlType.supportedList() + ". Re-quantize the model to one of them");
        }
        WeightMatrix m = WeightMatrix.of(name, t.type(), rows, cols, file.data(t));
        return repack ? m.forDecoding(quantizeActivations) : m;
    }

    private float[] optionalVector(String name, int n) {
        return file.tensor(name) == null ? null : vector(name, n);
    }

    private float[] vector(String name, int n) {
        GgufTensor t = tensor(name);
        if (t.elements() != n) {
            throw new GgufException(file.path(), "tensor '" + name + "' has " + t.elements() + " values, expected " + n + ": inconsistent shapes");
        }
        MemorySegment seg = file.data(t);
        float[] out = new float[n];
        switch (t.type()) {
            case F32 -> MemorySegment.copy(seg, ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 0, out, 0, n);
            case F16, BF16 -> WeightMatrix.of(name, t.type(), 1, n, seg).dequantizeRow(0, out, 0);
            default -> throw new GgufException(file.path(), "vector tensor '" + name + "' has type " + t.type() + "; expected F32");
        }
        return out;
    }

    /** Every matrix once (a tied output is the token embedding). */
    public java.util.List<WeightMatrix> matrices() {
        java.util.List<WeightMatrix> all = new java.util.ArrayList<>();
        all.add(tokenEmbedding);
        if (output != tokenEmbedding) all.add(output);
        for (Layer l : layers) all.addAll(java.util.List.of(l.wq(), l.wk(), l.wv(), l.wo(), l.gate(), l.up(), l.down()));
        return all;
    }

    /** Bytes of the matrices a forward pass streams through per token: all but the token embedding, unless it is the output too. */
    public long matrixBytes() {
        long b = 0;
        for (WeightMatrix m : matrices()) {
            if (m != tokenEmbedding || m == output) b += m.byteSize();
        }
        return b;
    }
}
