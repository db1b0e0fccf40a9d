package carto.inference.tensor;

import carto.inference.gguf.GgmlType;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/** Q8_0: blocks of 32 signed bytes with one half-precision scale (34 bytes). */
public final class Q8_0Matrix extends WeightMatrix {
    Q8_0Matrix(String name, int rows, int cols, MemorySegment data) {
        super(name, GgmlType.Q8_0, rows, cols, data);
    }

    @Override
    public void dequantizeRow(int row, float[] out, int off) {
        long base = row * rowBytes;
        if (!VECTOR) {
            for (int b = 0; b < cols / 32; b++) {
                long blk = base + 34L * b;
                float d = f16(data, blk);
                for (int j = 0; j < 32; j++) out[off + 32 * b + j] = d * data.get(ValueLayout.JAVA_BYTE, blk + 2 + j);
            }
            return;
        }
        for (int b = 0; b < cols / 32; b++) {
            long blk = base + 34L * b;
            FloatVector d = FloatVector.broadcast(F, f16(data, blk));
            for (int p = 0; p < 32 / L; p++) widen(blk + 2 + p * L).mul(d).intoArray(out, off + 32 * b + p * L);
        }
    }

    @Override
    float dotVector(int row, float[] x, int xOff) {
        long base = row * rowBytes;
        FloatVector acc = FloatVector.zero(F);
        for (int b = 0; b < cols / 32; b++) {
            long blk = base + 34L * b;
            int xi = xOff + 32 * b;
            FloatVector s = FloatVector.zero(F);
            for (int p = 0; p < 32 / L; p++) {
                s = widen(blk + 2 + p * L).fma(FloatVector.fromArray(F, x, xi + p * L), s);
            }
            acc = s.fma(FloatVector.broadcast(F, f16(data, blk)), acc);
        }
        return sum(acc);
    }

    /**
     * Rows of the two halves of the range in pairs: two streams from memory, far apart, keep
     * more loads in flight than one (14% faster than row by row from DRAM on one core). Rows
     * side by side must not be paired: interleaving them ran at half speed.
     */
    @Override
    void dotRows(int from, int to, float[] x, int xOff, Object prepared, float[] out, int outOff) {
        int half = (to - from) / 2;
        for (int i = 0; i < half; i++) {
            int r0 = from + i, r1 = from + half + i;
            long base0 = r0 * rowBytes, base1 = r1 * rowBytes;
            FloatVector acc0 = FloatVector.zero(F), acc1 = FloatVector.zero(F);
            for (int b = 0; b < cols / 32; b++) {
                long blk0 = base0 + 34L * b, blk1 = base1 + 34L * b;
                int xi = xOff + 32 * b;
                FloatVector s0 = FloatVector.zero(F), s1 = FloatVector.zero(F);
                for (int p = 0; p < 32 / L; p++) {
                    FloatVector xv = FloatVector.fromArray(F, x, xi + p * L);
                    s0 = widen(blk0 + 2 + p * L).fma(xv, s0);
                    s1 = widen(blk1 + 2 + p * L).fma(xv, s1);
                }
                acc0 = s0.fma(FloatVector.broadcast(F, f16(data, blk0)), acc0);
                acc1 = s1.fma(FloatVector.broadcast(F, f16(data, blk1)), acc1);
            }
            out[outOff + r0 - from] = sum(acc0);
            out[outOff + r1 - from] = sum(acc1);
        }
        for (int r = from + 2 * half; r < to; r++) out[outOff + r - from] = dotVector(r, x, xOff);
    }

    /**
     * L quantized bytes at {@code off} as floats. Loading exactly L bytes and widening them in
     * one step compiles to a sign-extending load and a conversion; widening a part of a wider
     * byte vector costs a lane extraction as well, which ran this kernel at a third of the speed.
     */
    private FloatVector widen(long off) {
        return (FloatVector) ByteVector.fromMemorySegment(BYTES, data, off, LE).convertShape(VectorOperators.B2F, F, 0);
    }

    /** A quarter of F's width: exactly one byte per float lane. */
    private static final VectorSpecies<Byte> BYTES = VectorSpecies.of(byte.class, VectorShape.forBitSize(F.vectorBitSize() / 4));
}
