package carto.inference.tensor;

import carto.inference.gguf.GgmlType;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Q5_0: blocks of 32 5-bit values (offset 16): scale, 32 high bits, 16 bytes of low nibbles
 * (22 bytes). The high bits become a lane mask; the offset is applied through block sums of x.
 */
public final class Q5_0Matrix extends WeightMatrix {
    Q5_0Matrix(String name, int rows, int cols, MemorySegment data) {
        super(name, GgmlType.Q5_0, rows, cols, data);
    }

    @Override
    public void dequantizeRow(int row, float[] out, int off) {
        long base = row * rowBytes;
        for (int b = 0; b < cols / 32; b++) {
            long blk = base + 22L * b;
            float d = f16(data, blk);
            int qh = data.get(I32, blk + 2);
            int o = off + 32 * b;
            for (int j = 0; j < 16; j++) {
                int q = data.get(ValueLayout.JAVA_BYTE, blk + 6 + j) & 0xff;
                int x0 = (q & 0xf) | (((qh >>> j) & 1) << 4);
                int x1 = (q >>> 4) | (((qh >>> (j + 16)) & 1) << 4);
                out[o + j] = d * (x0 - 16);
                out[o + j + 16] = d * (x1 - 16);
            }
        }
    }

    @Override
    float dotVector(int row, float[] x, int xOff) {
        return dotRow(row * rowBytes, x, xOff, blockSums(x, xOff, cols));
    }

    @Override
    Object prepare(float[] x, int xOff) {
        return blockSums(x, xOff, cols);
    }

    @Override
    void dotRows(int from, int to, float[] x, int xOff, Object prepared, float[] out, int outOff) {
        float[] xs = (float[]) prepared;
        for (int r = from; r < to; r++) out[outOff + r - from] = dotRow(r * rowBytes, x, xOff, xs);
    }

    private float dotRow(long base, float[] x, int xOff, float[] xs) {
        FloatVector acc = FloatVector.zero(F);
        float corr = 0;
        long laneMask = (1L << L) - 1;
        for (int b = 0; b < cols / 32; b++) {
            long blk = base + 22L * b;
            long qh = data.get(I32, blk + 2) & 0xffffffffL;
            ByteVector q = ByteVector.fromMemorySegment(ByteVector.SPECIES_128, data, blk + 6, LE);
            FloatVector s = FloatVector.zero(F);
            int xi = xOff + 32 * b;
            for (int p = 0; p < 16 / L; p++) {
                IntVector v = (IntVector) q.convertShape(VectorOperators.B2I, I, p);
                VectorMask<Integer> mlo = VectorMask.fromLong(I, (qh >>> (p * L)) & laneMask);
                VectorMask<Integer> mhi = VectorMask.fromLong(I, (qh >>> (16 + p * L)) & laneMask);
                FloatVector lo = (FloatVector) v.and(0xf).lanewise(VectorOperators.OR, 16, mlo).convert(VectorOperators.I2F, 0);
                FloatVector hi = (FloatVector) v.lanewise(VectorOperators.LSHR, 4).and(0xf).lanewise(VectorOperators.OR, 16, mhi).convert(VectorOperators.I2F, 0);
                s = lo.fma(FloatVector.fromArray(F, x, xi + p * L), s);
                s = hi.fma(FloatVector.fromArray(F, x, xi + 16 + p * L), s);
            }
            float d = f16(data, blk);
            acc = s.fma(FloatVector.broadcast(F, d), acc);
            corr += d * xs[b];
        }
        return sum(acc) - 16 * corr;
    }
}
