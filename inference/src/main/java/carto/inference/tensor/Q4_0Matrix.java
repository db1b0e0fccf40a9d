package carto.inference.tensor;

import carto.inference.gguf.GgmlType;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/** Q4_0: blocks of 32 4-bit values (offset 8) with one half-precision scale (18 bytes). */
public final class Q4_0Matrix extends WeightMatrix {
    Q4_0Matrix(String name, int rows, int cols, MemorySegment data) {
        super(name, GgmlType.Q4_0, rows, cols, data);
    }

    @Override
    public void dequantizeRow(int row, float[] out, int off) {
        long base = row * rowBytes;
        for (int b = 0; b < cols / 32; b++) {
            long blk = base + 18L * b;
            float d = f16(data, blk);
            int o = off + 32 * b;
            for (int j = 0; j < 16; j++) {
                int q = data.get(ValueLayout.JAVA_BYTE, blk + 2 + j) & 0xff;
                out[o + j] = d * ((q & 0xf) - 8);
                out[o + j + 16] = d * ((q >>> 4) - 8);
            }
        }
    }

    @Override
    float dotVector(int row, float[] x, int xOff) {
        long base = row * rowBytes;
        int blocks = cols / 32;
        FloatVector acc0 = FloatVector.zero(F), acc1 = acc0;
        int b = 0;
        for (; b + 1 < blocks; b += 2) {
            long blk = base + 18L * b;
            acc0 = block(blk, x, xOff + 32 * b, acc0);
            acc1 = block(blk + 18, x, xOff + 32 * b + 32, acc1);
        }
        if (b < blocks) acc0 = block(base + 18L * b, x, xOff + 32 * b, acc0);
        return sum(acc0.add(acc1));
    }

    private FloatVector block(long blk, float[] x, int xi, FloatVector acc) {
        float d = f16(data, blk);
        ByteVector q = ByteVector.fromMemorySegment(ByteVector.SPECIES_128, data, blk + 2, LE);
        ByteVector lo = q.and((byte) 0xf).sub((byte) 8);
        ByteVector hi = q.lanewise(VectorOperators.LSHR, 4).and((byte) 0xf).sub((byte) 8);
        FloatVector s = FloatVector.zero(F);
        for (int p = 0; p < 16 / L; p++) {
            s = ((FloatVector) lo.convertShape(VectorOperators.B2F, F, p)).fma(FloatVector.fromArray(F, x, xi + p * L), s);
            s = ((FloatVector) hi.convertShape(VectorOperators.B2F, F, p)).fma(FloatVector.fromArray(F, x, xi + 16 + p * L), s);
        }
        return s.fma(FloatVector.broadcast(F, d), acc);
    }
}
