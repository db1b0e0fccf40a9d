package carto.inference.tensor;

import carto.inference.Fixtures;
import carto.inference.gguf.GgmlType;
import carto.inference.gguf.GgufFile;
import carto.inference.gguf.GgufTensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.lang.foreign.MemorySegment;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every vector kernel (single row, row ranges, fused matrices, batched GEMM) agrees with the scalar dequantize-and-dot reference. */
class KernelTest {
    @ParameterizedTest
    @ValueSource(strings = {"f16", "q8_0", "q6_k", "q5_0", "q5_k", "q4_k", "q4_0"})
    void vectorKernelsMatchScalarReference(String type) {
        try (GgufFile f = GgufFile.open(Fixtures.fixture("models/synthetic-llama-dscoder-" + type + ".gguf"))) {
            for (String name : new String[]{"blk.0.attn_q.weight", "blk.0.ffn_down.weight", "blk.1.ffn_gate.weight"}) {
                GgufTensor t = f.tensor(name);
                WeightMatrix w = WeightMatrix.of(name, t.type(), (int) t.rows(), (int) t.dims()[0], f.data(t));
                assertEquals(GgmlType.valueOf(type.toUpperCase()), w.type());
                checkAgainstScalar(w);
            }
        }
    }

    @Test
    void f32AndBf16KernelsMatchScalarReference() {
        for (String file : new String[]{"models/stories260K-f32.gguf", "models/stories260K-bf16.gguf", "models/stories260K-q8_0.gguf"}) {
            try (GgufFile f = GgufFile.open(Fixtures.fixture(file))) {
                for (GgufTensor t : f.tensors()) {
                    if (t.dims().length != 2) continue;
                    checkAgainstScalar(WeightMatrix.of(t.name(), t.type(), (int) t.rows(), (int) t.dims()[0], f.data(t)));
                }
            }
        }
    }

    @Test
    void quantizedRoundTripStaysCloseToTheFloats() {
        Random rnd = new Random(3);
        int rows = 5, cols = 256;
        float[] src = new float[rows * cols];
        for (int i = 0; i < src.length; i++) src[i] = (float) rnd.nextGaussian();
        for (GgmlType t : new GgmlType[]{GgmlType.F32, GgmlType.F16, GgmlType.BF16, GgmlType.Q8_0, GgmlType.Q4_0}) {
            MemorySegment seg = MemorySegment.ofArray(new byte[(int) t.bytesFor((long) rows * cols)]);
            for (int r = 0; r < rows; r++) Quantizer.quantize(t, src, r * cols, cols, seg, r * t.bytesFor(cols));
            WeightMatrix w = WeightMatrix.of("m", t, rows, cols, seg);
            float[] row = new float[cols];
            double maxErr = 0;
            for (int r = 0; r < rows; r++) {
                w.dequantizeRow(r, row, 0);
                for (int c = 0; c < cols; c++) maxErr = Math.max(maxErr, Math.abs(row[c] - src[r * cols + c]));
            }
            double bound = switch (t) {
                case F32 -> 0;
                case F16 -> 2e-3;
                case BF16 -> 2e-2;
                case Q8_0 -> 0.02;
                default -> 0.6;
            };
            assertTrue(maxErr <= bound, t + " round trip error " + maxErr + " > " + bound);
            checkAgainstScalar(w);
        }
    }

    static void checkAgainstScalar(WeightMatrix w) {
        Random rnd = new Random(7);
        int n = 5;
        float[] xs = new float[n * w.cols()];
        for (int i = 0; i < xs.length; i++) xs[i] = (float) rnd.nextGaussian();
        float[] x = java.util.Arrays.copyOf(xs, w.cols());
        float[] ref = new float[w.rows()];
        double scale = 0;
        for (int r = 0; r < w.rows(); r++) {
            ref[r] = w.dotScalar(r, x, 0);
            scale = Math.max(scale, Math.abs(ref[r]));
        }
        double tol = 1e-4 * Math.max(1, scale) + 1e-5 * Math.sqrt(w.cols());
        for (int r = 0; r < w.rows(); r++) {
            assertEquals(ref[r], w.dot(r, x, 0), tol, w + " row " + r + " (dot)");
        }
        try (Workers workers = new Workers(2)) {
            float[] mv = new float[w.rows()];
            w.matvec(workers, x, 0, mv, 0);
            float[][] pair = {new float[w.rows()], new float[w.rows()]};
            WeightMatrix.matvec(workers, new WeightMatrix[]{w, w}, x, pair);
            float[] mm = new float[n * w.rows()];
            w.matmul(workers, xs, n, w.cols(), mm, w.rows());
            for (int r = 0; r < w.rows(); r++) {
                assertEquals(ref[r], mv[r], tol, w + " row " + r + " (matvec)");
                assertEquals(ref[r], pair[0][r], tol, w + " row " + r + " (fused matvec)");
                assertEquals(ref[r], pair[1][r], tol, w + " row " + r + " (fused matvec, second)");
            }
            for (int t = 0; t < n; t++) {
                for (int r = 0; r < w.rows(); r += Math.max(1, w.rows() / 37)) {
                    float expect = w.dotScalar(r, xs, t * w.cols());
                    assertEquals(expect, mm[t * w.rows() + r], tol, w + " token " + t + " row " + r + " (batched)");
                }
            }
        }
    }
}
