package carto.inference.tensor;

import carto.inference.gguf.GgmlType;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/** Q6_K: super-blocks of 256 6-bit values (offset 32) in 16 sub-blocks with 8-bit scales (210 bytes). */
public final class Q6KMatrix extends WeightMatrix {
    Q6KMatrix(String name, int rows, int cols, MemorySegment data) {
        super(name, GgmlType.Q6_K, rows, cols, data);
    }

    @Override
    public void dequantizeRow(int row, float[] out, int off) {
        long base = row * rowBytes;
        for (int b = 0; b < cols / 256; b++) {
            long blk = base + 210L * b;
            float d = f16(data, blk + 208);
            for (int h = 0; h < 2; h++) {
                long ql = blk + 64L * h, qh = blk + 128 + 32L * h, sc = blk + 192 + 8L * h;
                int o = off + 256 * b + 128 * h;
                for (int l = 0; l < 32; l++) {
                    int is = l / 16;
                    int a = data.get(ValueLayout.JAVA_BYTE, ql + l) & 0xff;
                    int c = data.get(ValueLayout.JAVA_BYTE, ql + l + 32) & 0xff;
                    int hb = data.get(ValueLayout.JAVA_BYTE, qh + l) & 0xff;
                    int q1 = ((a & 0xf) | ((hb & 3) << 4)) - 32;
                    int q2 = ((c & 0xf) | (((hb >>> 2) & 3) << 4)) - 32;
                    int q3 = ((a >>> 4) | (((hb >>> 4) & 3) << 4)) - 32;
                    int q4 = ((c >>> 4) | (((hb >>> 6) & 3) << 4)) - 32;
                    out[o + l] = d * data.get(ValueLayout.JAVA_BYTE, sc + is) * q1;
                    out[o + l + 32] = d * data.get(ValueLayout.JAVA_BYTE, sc + is + 2) * q2;
                    out[o + l + 64] = d * data.get(ValueLayout.JAVA_BYTE, sc + is + 4) * q3;
                    out[o + l + 96] = d * data.get(ValueLayout.JAVA_BYTE, sc + is + 6) * q4;
                }
            }
        }
    }

    @Override
    float dotVector(int row, float[] x, int xOff) {
        long base = row * rowBytes;
        FloatVector acc = FloatVector.zero(F);
        for (int b = 0; b < cols / 256; b++) {
            long blk = base + 210L * b;
            float d = f16(data, blk + 208);
            for (int h = 0; h < 2; h++) {
                long ql = blk + 64L * h, sc = blk + 192 + 8L * h;
                ByteVector qa = ByteVector.fromMemorySegment(ByteVector.SPECIES_256, data, ql, LE);
                ByteVector qc = ByteVector.fromMemorySegment(ByteVector.SPECIES_256, data, ql + 32, LE);
                ByteVector qh = ByteVector.fromMemorySegment(ByteVector.SPECIES_256, data, blk + 128 + 32L * h, LE);
                int xb = xOff + 256 * b + 128 * h;
                for (int p = 0; p < 32 / L; p++) {
                    IntVector a = (IntVector) qa.convertShape(VectorOperators.B2I, I, p);
                    IntVector c = (IntVector) qc.convertShape(VectorOperators.B2I, I, p);
                    IntVector hb = (IntVector) qh.convertShape(VectorOperators.B2I, I, p);
                    FloatVector q1 = (FloatVector) a.and(0xf).or(hb.and(3).lanewise(VectorOperators.LSHL, 4)).sub(32).convert(VectorOperators.I2F, 0);
                    FloatVector q2 = (FloatVector) c.and(0xf).or(hb.lanewise(VectorOperators.LSHR, 2).and(3).lanewise(VectorOperators.LSHL, 4)).sub(32).convert(VectorOperators.I2F, 0);
                    FloatVector q3 = (FloatVector) a.lanewise(VectorOperators.LSHR, 4).and(0xf).or(hb.lanewise(VectorOperators.LSHR, 4).and(3).lanewise(VectorOperators.LSHL, 4)).sub(32).convert(VectorOperators.I2F, 0);
                    FloatVector q4 = (FloatVector) c.lanewise(VectorOperators.LSHR, 4).and(0xf).or(hb.lanewise(VectorOperators.LSHR, 6).and(3).lanewise(VectorOperators.LSHL, 4)).sub(32).convert(VectorOperators.I2F, 0);
                    int is = p * L / 16;
                    int xi = xb + p * L;
                    acc = q1.mul(FloatVector.fromArray(F, x, xi)).fma(FloatVector.broadcast(F, d * data.get(ValueLayout.JAVA_BYTE, sc + is)), acc);
                    acc = q2.mul(FloatVector.fromArray(F, x, xi + 32)).fma(FloatVector.broadcast(F, d * data.get(ValueLayout.JAVA_BYTE, sc + is + 2)), acc);
                    acc = q3.mul(FloatVector.fromArray(F, x, xi + 64)).fma(FloatVector.broadcast(F, d * data.get(ValueLayout.JAVA_BYTE, sc + is + 4)), acc);
                    acc = q4.mul(FloatVector.fromArray(F, x, xi + 96)).fma(FloatVector.broadcast(F, d * data.get(ValueLayout.JAVA_BYTE, sc + is + 6)), acc);
                }
            }
        }
        return sum(acc);
    }
}
