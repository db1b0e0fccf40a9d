package carto.inference.tensor;

import carto.inference.Fixtures;
import carto.inference.gguf.GgmlType;
import carto.inference.gguf.GgufFile;
import carto.inference.gguf.GgufTensor;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.lang.foreign.MemorySegment;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
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

    /** The repacked Q4_0 kernel in F32: every entry point against the scalar reference, including ranges that split groups. */
    @Test
    void repackedQ4_0KernelMatchesScalarReference() {
        Assumptions.assumeTrue(Q4_0Matrix.repackingAvailable(), "the repacked Q4_0 kernel needs 512-bit vectors; this machine has " + WeightMatrix.F.vectorBitSize());
        Random rnd = new Random(5);
        WeightMatrix rowMajor = q4_0(rnd, 96, 320);
        WeightMatrix packed = rowMajor.forDecoding(false);
        assertTrue(packed != rowMajor && !packed.quantizesActivations() && packed.byteSize() > rowMajor.byteSize());
        checkAgainstScalar(packed);
        float[] x = new float[320];
        for (int i = 0; i < x.length; i++) x[i] = (float) rnd.nextGaussian();
        try (Workers workers = new Workers(2)) {
            float[][] fused = {new float[96], new float[40]};
            WeightMatrix odd = q4_0(rnd, 40, 320);
            WeightMatrix.matvec(workers, new WeightMatrix[]{packed, odd}, x, fused);
            for (int r = 0; r < 96; r++) assertEquals(rowMajor.dotScalar(r, x, 0), fused[0][r], 1e-3, "row " + r + " (fused with a 40-row matrix)");
        }
    }

    /**
     * The repacked Q4_0 kernel computes what llama.cpp's Q4_0 x Q8_0 product computes: x quantized
     * per block of 32 (scale max|x|/127 at half precision, values rounded to nearest-even), then
     * the sum over blocks of d_w * d_x * (integer dot product), here recomputed in doubles. Every
     * entry point agrees: one row, a range of whole groups, ranges that split groups (a fused
     * product with a matrix of 40 rows), and the batched product; dequantized rows are unchanged.
     */
    @Test
    void repackedQ4_0KernelComputesLlamaCppsQuantizedProduct() {
        Assumptions.assumeTrue(Q4_0Matrix.repackingAvailable(), "the repacked Q4_0 kernel needs 512-bit vectors; this machine has " + WeightMatrix.F.vectorBitSize());
        Random rnd = new Random(11);
        int rows = 96, cols = 320, n = 6;
        WeightMatrix rowMajor = q4_0(rnd, rows, cols);
        WeightMatrix packed = rowMajor.forDecoding(true);
        assertTrue(packed.quantizesActivations() && !rowMajor.quantizesActivations());
        WeightMatrix odd = q4_0(rnd, 40, cols);
        assertSame(odd, odd.forDecoding(true), "40 rows are not whole groups of 32: no repacking");

        float[] a = new float[cols], b = new float[cols];
        for (int r = 0; r < rows; r++) {
            rowMajor.dequantizeRow(r, a, 0);
            packed.dequantizeRow(r, b, 0);
            assertArrayEquals(a, b, "row " + r + " dequantized from the packed layout");
        }
        float[] xs = new float[n * cols];
        for (int i = 0; i < xs.length; i++) xs[i] = (float) (rnd.nextGaussian() * (i % 97 == 0 ? 8 : 1));
        java.util.Arrays.fill(xs, 64, 96, 0f); // an all-zero block: scale 0
        double[][] want = new double[n][rows];
        double scale = 0;
        for (int t = 0; t < n; t++) {
            for (int r = 0; r < rows; r++) {
                want[t][r] = llamaCppQ4_0Dot(rowMajor, r, xs, t * cols);
                scale = Math.max(scale, Math.abs(want[t][r]));
            }
        }
        double tol = 2e-6 * scale;
        float[] x0 = java.util.Arrays.copyOf(xs, cols);
        try (Workers workers = new Workers(2)) {
            float[] mv = new float[rows];
            packed.matvec(workers, x0, 0, mv, 0);
            float[][] fused = {new float[rows], new float[40]};
            WeightMatrix.matvec(workers, new WeightMatrix[]{packed, odd}, x0, fused);
            float[] mm = new float[n * rows];
            packed.matmul(workers, xs, n, cols, mm, rows);
            for (int r = 0; r < rows; r++) {
                assertEquals(want[0][r], packed.dot(r, x0, 0), tol, "row " + r + " (dot)");
                assertEquals(want[0][r], mv[r], tol, "row " + r + " (matvec)");
                assertEquals(want[0][r], fused[0][r], tol, "row " + r + " (fused matvec, ranges splitting groups)");
                for (int t = 0; t < n; t++) assertEquals(want[t][r], mm[t * rows + r], tol, "token " + t + " row " + r + " (batched)");
            }
            for (int r = 0; r < 40; r++) assertEquals(odd.dot(r, x0, 0), fused[1][r], 1e-4 * Math.max(1, scale), "row " + r + " of the 40-row matrix");
        }
    }

    private static WeightMatrix q4_0(Random rnd, int rows, int cols) {
        float[] src = new float[rows * cols];
        for (int i = 0; i < src.length; i++) src[i] = (float) rnd.nextGaussian();
        MemorySegment seg = MemorySegment.ofArray(new byte[(int) GgmlType.Q4_0.bytesFor((long) rows * cols)]);
        for (int r = 0; r < rows; r++) Quantizer.quantize(GgmlType.Q4_0, src, r * cols, cols, seg, r * GgmlType.Q4_0.bytesFor(cols));
        return WeightMatrix.of("q4_0", GgmlType.Q4_0, rows, cols, seg);
    }

    /** llama.cpp's ggml_vec_dot_q4_0_q8_0 after quantize_row_q8_0 (x86 SIMD rounding), from the row-major bytes. */
    private static double llamaCppQ4_0Dot(WeightMatrix w, int row, float[] x, int xOff) {
        double sum = 0;
        for (int b = 0; b < w.cols() / 32; b++) {
            float amax = 0;
            for (int j = 0; j < 32; j++) amax = Math.max(amax, Math.abs(x[xOff + 32 * b + j]));
            float dx = Float.float16ToFloat(Float.floatToFloat16(amax / 127));
            float id = amax != 0 ? 127 / amax : 0;
            long blk = row * w.rowBytes + 18L * b;
            float dw = WeightMatrix.f16(w.data, blk);
            int dot = 0;
            for (int j = 0; j < 16; j++) {
                int q = WeightMatrix.u8(w.data, blk + 2 + j);
                dot += ((q & 0xf) - 8) * (int) Math.rint(x[xOff + 32 * b + j] * id);
                dot += ((q >>> 4) - 8) * (int) Math.rint(x[xOff + 32 * b + j + 16] * id);
            }
            sum += (double) dw * dx * dot;
        }
        return sum;
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
