package carto.inference.tensor;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/** Float micro-kernels for the batched path: dequantized weight rows times activation rows. */
final class Gemm {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final int L = F.length();

    private Gemm() {}

    static float dot(float[] a, int aOff, float[] b, int bOff, int n) {
        int i = 0;
        float s = 0;
        if (L >= 8) {
            FloatVector acc = FloatVector.zero(F);
            int upper = F.loopBound(n);
            for (; i < upper; i += L) {
                acc = FloatVector.fromArray(F, a, aOff + i).fma(FloatVector.fromArray(F, b, bOff + i), acc);
            }
            s = acc.reduceLanes(VectorOperators.ADD);
        }
        for (; i < n; i++) s += a[aOff + i] * b[bOff + i];
        return s;
    }

    /** Four consecutive weight rows (at w[0], w[cols], ...) times one activation row. */
    static void tile4x1(float[] w, int cols, float[] x, int xOff, float[] out, int outOff) {
        int k = 0;
        float s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        if (L >= 8) {
            FloatVector c0 = FloatVector.zero(F), c1 = c0, c2 = c0, c3 = c0;
            int upper = F.loopBound(cols);
            for (; k < upper; k += L) {
                FloatVector b = FloatVector.fromArray(F, x, xOff + k);
                c0 = FloatVector.fromArray(F, w, k).fma(b, c0);
                c1 = FloatVector.fromArray(F, w, cols + k).fma(b, c1);
                c2 = FloatVector.fromArray(F, w, 2 * cols + k).fma(b, c2);
                c3 = FloatVector.fromArray(F, w, 3 * cols + k).fma(b, c3);
            }
            s0 = c0.reduceLanes(VectorOperators.ADD);
            s1 = c1.reduceLanes(VectorOperators.ADD);
            s2 = c2.reduceLanes(VectorOperators.ADD);
            s3 = c3.reduceLanes(VectorOperators.ADD);
        }
        for (; k < cols; k++) {
            float b = x[xOff + k];
            s0 += w[k] * b;
            s1 += w[cols + k] * b;
            s2 += w[2 * cols + k] * b;
            s3 += w[3 * cols + k] * b;
        }
        out[outOff] = s0;
        out[outOff + 1] = s1;
        out[outOff + 2] = s2;
        out[outOff + 3] = s3;
    }

    /** Four weight rows times four activation rows (x at xOff + t*xStride); 16 accumulators stay in registers. */
    static void tile4x4(float[] w, int cols, float[] x, int xOff, int xStride, float[] out, int outOff, int outStride) {
        if (L < 8) {
            for (int t = 0; t < 4; t++) tile4x1(w, cols, x, xOff + t * xStride, out, outOff + t * outStride);
            return;
        }
        FloatVector c00 = FloatVector.zero(F), c01 = c00, c02 = c00, c03 = c00;
        FloatVector c10 = c00, c11 = c00, c12 = c00, c13 = c00;
        FloatVector c20 = c00, c21 = c00, c22 = c00, c23 = c00;
        FloatVector c30 = c00, c31 = c00, c32 = c00, c33 = c00;
        int x0 = xOff, x1 = xOff + xStride, x2 = xOff + 2 * xStride, x3 = xOff + 3 * xStride;
        int upper = F.loopBound(cols);
        int k = 0;
        for (; k < upper; k += L) {
            FloatVector a0 = FloatVector.fromArray(F, w, k);
            FloatVector a1 = FloatVector.fromArray(F, w, cols + k);
            FloatVector a2 = FloatVector.fromArray(F, w, 2 * cols + k);
            FloatVector a3 = FloatVector.fromArray(F, w, 3 * cols + k);
            FloatVector b = FloatVector.fromArray(F, x, x0 + k);
            c00 = a0.fma(b, c00); c10 = a1.fma(b, c10); c20 = a2.fma(b, c20); c30 = a3.fma(b, c30);
            b = FloatVector.fromArray(F, x, x1 + k);
            c01 = a0.fma(b, c01); c11 = a1.fma(b, c11); c21 = a2.fma(b, c21); c31 = a3.fma(b, c31);
            b = FloatVector.fromArray(F, x, x2 + k);
            c02 = a0.fma(b, c02); c12 = a1.fma(b, c12); c22 = a2.fma(b, c22); c32 = a3.fma(b, c32);
            b = FloatVector.fromArray(F, x, x3 + k);
            c03 = a0.fma(b, c03); c13 = a1.fma(b, c13); c23 = a2.fma(b, c23); c33 = a3.fma(b, c33);
        }
        float[] s = {
                c00.reduceLanes(VectorOperators.ADD), c10.reduceLanes(VectorOperators.ADD), c20.reduceLanes(VectorOperators.ADD), c30.reduceLanes(VectorOperators.ADD),
                c01.reduceLanes(VectorOperators.ADD), c11.reduceLanes(VectorOperators.ADD), c21.reduceLanes(VectorOperators.ADD), c31.reduceLanes(VectorOperators.ADD),
                c02.reduceLanes(VectorOperators.ADD), c12.reduceLanes(VectorOperators.ADD), c22.reduceLanes(VectorOperators.ADD), c32.reduceLanes(VectorOperators.ADD),
                c03.reduceLanes(VectorOperators.ADD), c13.reduceLanes(VectorOperators.ADD), c23.reduceLanes(VectorOperators.ADD), c33.reduceLanes(VectorOperators.ADD)};
        for (; k < cols; k++) {
            for (int t = 0; t < 4; t++) {
                float b = x[xOff + t * xStride + k];
                for (int r = 0; r < 4; r++) s[t * 4 + r] += w[r * cols + k] * b;
            }
        }
        for (int t = 0; t < 4; t++) {
            for (int r = 0; r < 4; r++) out[outOff + t * outStride + r] = s[t * 4 + r];
        }
    }
}
