package carto.inference.tensor;

import carto.inference.gguf.GgmlType;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/** Q4_K: super-blocks of 256 4-bit values in 8 sub-blocks with 6-bit scales and mins (144 bytes). */
public final class Q4KMatrix extends WeightMatrix {
    Q4KMatrix(String name, int rows, int cols, MemorySegment data) {
        super(name, GgmlType.Q4_K, rows, cols, data);
    }

    @Override
    public void dequantizeRow(int row, float[] out, int off) {
        long base = row * rowBytes;
        int[] sc = new int[8], m = new int[8];
        for (int b = 0; b < cols / 256; b++) {
            long blk = base + 144L * b;
            float d = f16(data, blk), dmin = f16(data, blk + 2);
            KQuants.scalesAndMins(data, blk + 4, sc, m);
            int o = off + 256 * b;
            for (int c = 0; c < 4; c++) {
                float d1 = d * sc[2 * c], m1 = dmin * m[2 * c];
                float d2 = d * sc[2 * c + 1], m2 = dmin * m[2 * c + 1];
                for (int l = 0; l < 32; l++) {
                    int q = data.get(ValueLayout.JAVA_BYTE, blk + 16 + 32 * c + l) & 0xff;
                    out[o + 64 * c + l] = d1 * (q & 0xf) - m1;
                    out[o + 64 * c + 32 + l] = d2 * (q >>> 4) - m2;
                }
            }
        }
    }

    @Override
    float dotVector(int row, float[] x, int xOff) {
        return dotRow(row * rowBytes, x, xOff, blockSums(x, xOff, cols), new int[8], new int[8]);
    }

    @Override
    Object prepare(float[] x, int xOff) {
        return blockSums(x, xOff, cols);
    }

    @Override
    void dotRows(int from, int to, float[] x, int xOff, Object prepared, float[] out, int outOff) {
        float[] xs = (float[]) prepared;
        int[] sc = new int[8], m = new int[8];
        for (int r = from; r < to; r++) out[outOff + r - from] = dotRow(r * rowBytes, x, xOff, xs, sc, m);
    }

    private float dotRow(long base, float[] x, int xOff, float[] xs, int[] sc, int[] m) {
        FloatVector acc = FloatVector.zero(F);
        float mins = 0;
        for (int b = 0; b < cols / 256; b++) {
            long blk = base + 144L * b;
            float d = f16(data, blk), dmin = f16(data, blk + 2);
            KQuants.scalesAndMins(data, blk + 4, sc, m);
            for (int j = 0; j < 8; j++) mins += dmin * m[j] * xs[8 * b + j];
            for (int c = 0; c < 4; c++) {
                ByteVector q = ByteVector.fromMemorySegment(ByteVector.SPECIES_256, data, blk + 16 + 32L * c, LE);
                int x0 = xOff + 256 * b + 64 * c;
                FloatVector s0 = FloatVector.zero(F), s1 = s0;
                for (int p = 0; p < 32 / L; p++) {
                    IntVector v = (IntVector) q.convertShape(VectorOperators.B2I, I, p);
                    FloatVector lo = (FloatVector) v.and(0xf).convert(VectorOperators.I2F, 0);
                    FloatVector hi = (FloatVector) v.lanewise(VectorOperators.LSHR, 4).and(0xf).convert(VectorOperators.I2F, 0);
                    s0 = lo.fma(FloatVector.fromArray(F, x, x0 + p * L), s0);
                    s1 = hi.fma(FloatVector.fromArray(F, x, x0 + 32 + p * L), s1);
                }
                acc = s0.fma(FloatVector.broadcast(F, d * sc[2 * c]), acc);
                acc = s1.fma(FloatVector.broadcast(F, d * sc[2 * c + 1]), acc);
            }
        }
        return sum(acc) - mins;
    }
}
