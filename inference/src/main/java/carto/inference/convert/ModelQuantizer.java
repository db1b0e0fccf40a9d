package carto.inference.convert;

import carto.inference.gguf.GgmlType;
import carto.inference.gguf.GgufException;
import carto.inference.gguf.GgufFile;
import carto.inference.gguf.GgufTensor;
import carto.inference.gguf.GgufValueType;
import carto.inference.gguf.GgufKv;
import carto.inference.gguf.GgufWriter;
import carto.inference.tensor.Quantizer;
import carto.inference.tensor.WeightMatrix;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Re-writes a GGUF model with its 2-D weight matrices in another type, like llama-quantize
 * {@code --pure}: norms and biases stay F32, and a matrix whose rows do not fit the block size
 * falls back to F16.
 */
public final class ModelQuantizer {
    /** What happened to one tensor. */
    public record Change(String tensor, GgmlType from, GgmlType to, String note) {}

    private ModelQuantizer() {}

    public static List<Change> quantize(Path in, Path out, GgmlType target, boolean allowRequantize, Consumer<String> progress) throws IOException {
        if (!Quantizer.canProduce(target)) {
            throw new IllegalArgumentException("cannot quantize to " + target + "; choose one of F32, F16, BF16, Q8_0, Q4_0");
        }
        List<Change> changes = new ArrayList<>();
        try (GgufFile src = GgufFile.open(in)) {
            GgufWriter w = GgufWriter.copyMetadata(src);
            w.put(GgufKv.of("general.file_type", GgufValueType.UINT32, (long) fileType(target)));
            w.put(GgufKv.of("general.quantization_version", GgufValueType.UINT32, 2L));
            for (GgufTensor t : src.tensors()) {
                boolean matrix = t.dims().length >= 2 && t.name().endsWith(".weight");
                GgmlType to = matrix ? target : t.type();
                String note = "";
                if (matrix && t.dims()[0] % target.blockSize != 0) {
                    to = GgmlType.F16;
                    note = "row length " + t.dims()[0] + " is not a multiple of " + target.blockSize + ": F16 instead";
                }
                if (to == t.type()) {
                    changes.add(new Change(t.name(), t.type(), to, "copied"));
                    w.addTensor(t.name(), t.type(), t.dims(), src.data(t));
                    continue;
                }
                boolean srcFloat = t.type() == GgmlType.F32 || t.type() == GgmlType.F16 || t.type() == GgmlType.BF16;
                if (!srcFloat && !allowRequantize) {
                    throw new GgufException(in, "tensor '" + t.name() + "' is already quantized (" + t.type()
                            + "); quantizing it again loses accuracy. Start from an F32/F16 model, or pass --allow-requantize");
                }
                if (!t.type().supported) {
                    throw new GgufException(in, "tensor '" + t.name() + "' has type " + t.type() + ", which Carto cannot read");
                }
                GgmlType dst = to;
                int cols = (int) t.dims()[0];
                int rows = (int) t.rows();
                WeightMatrix source = WeightMatrix.of(t.name(), t.type(), rows, cols, src.data(t));
                w.addTensor(t.name(), dst, t.dims(), () -> {
                    MemorySegment buf = Arena.ofAuto().allocate(dst.bytesFor((long) rows * cols), 64);
                    float[] row = new float[cols];
                    long rowBytes = dst.bytesFor(cols);
                    for (int r = 0; r < rows; r++) {
                        source.dequantizeRow(r, row, 0);
                        Quantizer.quantize(dst, row, 0, cols, buf, r * rowBytes);
                    }
                    if (progress != null) progress.accept(t.name() + " " + t.type() + " -> " + dst);
                    return buf;
                });
                changes.add(new Change(t.name(), t.type(), to, note));
            }
            w.write(out);
        }
        return changes;
    }

    /** llama.cpp's general.file_type value for a uniform model of this type. */
    public static int fileType(GgmlType t) {
        return switch (t) {
            case F32 -> 0;
            case F16 -> 1;
            case Q4_0 -> 2;
            case Q8_0 -> 7;
            case Q5_0 -> 8;
            case Q4_K -> 15;
            case Q5_K -> 17;
            case Q6_K -> 18;
            case BF16 -> 32;
            default -> 0;
        };
    }
}
