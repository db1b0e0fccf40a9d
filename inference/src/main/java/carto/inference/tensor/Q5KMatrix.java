package carto.inference.tensor;

import carto.inference.gguf.GgmlType;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/** Q5_K: super-blocks of 256 5-bit values, 6-bit scales and mins, high bits in a 32-byte plane (176 bytes). */
public final class Q5KMatrix extends WeightMatrix {
    Q5KMatrix(String name, int rows, int cols, MemorySegment data) {
        super(name, GgmlType.Q5_K, rows, cols, data);
    }

    @Override
    public void dequantizeRow(int row, float[] out, int off) {
        long base = row * rowBytes;
        int[] sc = new int[8], m = new int[8];
        for (int b = 0; b < cols / 256; b++) {
            long blk = base + 176L * b;
            float d = f16(data, blk), dmin = f16(data, blk + 2);
            KQuants.scalesAndMins(data, blk + 4, sc, m);
            int o = off + 256 * b;
            for (int c = 0; c < 4; c++) {
                float d1 = d * sc[2 * c], m1 = dmin * m[2 * c];
                float d2 = d * sc[2 * c + 1], m2 = dmin * m[2 * c + 1];
                for (int l = 0; l < 32; l++) {
                    int ql = data.get(ValueLayout.JAVA_BYTE, blk + 48 + 32 * c + l) & 0xff;
                    int qh = data.get(ValueLayout.JAVA_BYTE, blk + 16 + l) & 0xff;
                    out[o + 64 * c + l] = d1 * ((ql & 0xf) + (((qh >>> (2 * c)) & 1) << 4)) - m1;
                    out[o + 64 * c + 32 + l] = d2 * ((ql >>> 4) + (((qh >>> (2 * c + 1)) & 1) << 4)) - m2;
                }
            }
        }
    }

    @Override
    float dotVector(int row, float[] x, int xOff) {
        long base = row * rowBytes;
        int[] sc = new int[8], m = new int[8];
        FloatVector acc = FloatVector.zero(F), accMin = acc;
        for (int b = 0; b < cols / 256; b++) {
            long blk = base + 176L * b;
            float d = f16(data, blk), dmin = f16(data, blk + 2);
            KQuants.scalesAndMins(data, blk + 4, sc, m);
            ByteVector qh = ByteVector.fromMemorySegment(ByteVector.SPECIES_256, data, blk + 16, LE);
            int xb = xOff + 256 * b;
            for (int c = 0; c < 4; c++) {
                ByteVector q = ByteVector.fromMemorySegment(ByteVector.SPECIES_256, data, blk + 48 + 32L * c, LE);
                ByteVector lo = q.and((byte) 0xf).or(qh.lanewise(VectorOperators.LSHR, 2 * c).and((byte) 1).lanewise(VectorOperators.LSHL, 4));
                ByteVector hi = q.lanewise(VectorOperators.LSHR, 4).and((byte) 0xf)
                        .or(qh.lanewise(VectorOperators.LSHR, 2 * c + 1).and((byte) 1).lanewise(VectorOperators.LSHL, 4));
                int x0 = xb + 64 * c, x1 = x0 + 32;
                FloatVector s0 = FloatVector.zero(F), s1 = s0, t0 = s0, t1 = s0;
                for (int p = 0; p < 32 / L; p++) {
                    FloatVector xa = FloatVector.fromArray(F, x, x0 + p * L);
                    FloatVector xc = FloatVector.fromArray(F, x, x1 + p * L);
                    s0 = ((FloatVector) lo.convertShape(VectorOperators.B2F, F, p)).fma(xa, s0);
                    s1 = ((FloatVector) hi.convertShape(VectorOperators.B2F, F, p)).fma(xc, s1);
                    t0 = t0.add(xa);
                    t1 = t1.add(xc);
                }
                acc = s0.fma(FloatVector.broadcast(F, d * sc[2 * c]), acc);
                acc = s1.fma(FloatVector.broadcast(F, d * sc[2 * c + 1]), acc);
                accMin = t0.fma(FloatVector.broadcast(F, dmin * m[2 * c]), accMin);
                accMin = t1.fma(FloatVector.broadcast(F, dmin * m[2 * c + 1]), accMin);
            }
        }
        return sum(acc) - sum(accMin);
    }
}
