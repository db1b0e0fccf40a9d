package carto.inference.tensor;

import carto.inference.gguf.GgmlType;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/** Q5_0: blocks of 32 5-bit values (offset 16): scale, 32 high bits, 16 bytes of low nibbles (22 bytes). */
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
        long base = row * rowBytes;
        int blocks = cols / 32;
        FloatVector acc0 = FloatVector.zero(F), acc1 = acc0;
        int b = 0;
        for (; b + 1 < blocks; b += 2) {
            long blk = base + 22L * b;
            acc0 = block(blk, x, xOff + 32 * b, acc0);
            acc1 = block(blk + 22, x, xOff + 32 * b + 32, acc1);
        }
        if (b < blocks) acc0 = block(base + 22L * b, x, xOff + 32 * b, acc0);
        return sum(acc0.add(acc1));
    }

    private FloatVector block(long blk, float[] x, int xi, FloatVector acc) {
        float d = f16(data, blk);
        int qh = data.get(I32, blk + 2);
        ByteVector q = ByteVector.fromMemorySegment(ByteVector.SPECIES_128, data, blk + 6, LE);
        VectorMask<Byte> mlo = VectorMask.fromLong(ByteVector.SPECIES_128, qh & 0xffffL);
        VectorMask<Byte> mhi = VectorMask.fromLong(ByteVector.SPECIES_128, (qh >>> 16) & 0xffffL);
        ByteVector lo = q.and((byte) 0xf).sub((byte) 16).add((byte) 16, mlo);
        ByteVector hi = q.lanewise(VectorOperators.LSHR, 4).and((byte) 0xf).sub((byte) 16).add((byte) 16, mhi);
        FloatVector s = FloatVector.zero(F);
        for (int p = 0; p < 16 / L; p++) {
            s = ((FloatVector) lo.convertShape(VectorOperators.B2F, F, p)).fma(FloatVector.fromArray(F, x, xi + p * L), s);
            s = ((FloatVector) hi.convertShape(VectorOperators.B2F, F, p)).fma(FloatVector.fromArray(F, x, xi + 16 + p * L), s);
        }
        return s.fma(FloatVector.broadcast(F, d), acc);
    }
}
