package carto.inference.tensor;

import carto.inference.gguf.GgmlType;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Q4_0: blocks of 32 4-bit values (offset 8) with one half-precision scale (18 bytes). The
 * offset is applied once per block through the block sum of x: d*(sum q*x - 8*sum x).
 */
public final class Q4_0Matrix extends WeightMatrix {
    Q4_0Matrix(String name, int rows, int cols, MemorySegment data) {
        super(name, GgmlType.Q4_0, rows, cols, data);
    }

    @Override
    public void dequantizeRow(int row, float[] out, int off) {
        long base = row * rowBytes;
        if (!VECTOR) {
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
            return;
        }
        for (int b = 0; b < cols / 32; b++) {
            long blk = base + 18L * b;
            FloatVector d = FloatVector.broadcast(F, f16(data, blk));
            int o = off + 32 * b;
            ByteVector q = ByteVector.fromMemorySegment(ByteVector.SPECIES_128, data, blk + 2, LE);
            for (int p = 0; p < 16 / L; p++) {
                IntVector v = (IntVector) q.convertShape(VectorOperators.B2I, I, p);
                ((FloatVector) v.and(0xf).sub(8).convert(VectorOperators.I2F, 0)).mul(d).intoArray(out, o + p * L);
                ((FloatVector) v.lanewise(VectorOperators.LSHR, 4).and(0xf).sub(8).convert(VectorOperators.I2F, 0)).mul(d).intoArray(out, o + 16 + p * L);
            }
        }
    }

    @Override
    float dotVector(int row, float[] x, int xOff) {
        return dotRow(row * rowBytes, x, xOff, blockSums(x, xOff, cols));
    }

    @Override
    void dotRows(int from, int to, float[] x, int xOff, float[] out, int outOff) {
        float[] xs = blockSums(x, xOff, cols);
        for (int r = from; r < to; r++) out[outOff + r - from] = dotRow(r * rowBytes, x, xOff, xs);
    }

    private float dotRow(long base, float[] x, int xOff, float[] xs) {
        FloatVector acc = FloatVector.zero(F);
        float corr = 0;
        for (int b = 0; b < cols / 32; b++) {
            long blk = base + 18L * b;
            int xi = xOff + 32 * b;
            ByteVector q = ByteVector.fromMemorySegment(ByteVector.SPECIES_128, data, blk + 2, LE);
            FloatVector s = FloatVector.zero(F);
            for (int p = 0; p < 16 / L; p++) {
                // zero-extended, the high nibble needs no mask after the shift
                IntVector v = (IntVector) q.convertShape(VectorOperators.ZERO_EXTEND_B2I, I, p);
                s = ((FloatVector) v.and(0xf).convert(VectorOperators.I2F, 0)).fma(FloatVector.fromArray(F, x, xi + p * L), s);
                s = ((FloatVector) v.lanewise(VectorOperators.LSHR, 4).convert(VectorOperators.I2F, 0)).fma(FloatVector.fromArray(F, x, xi + 16 + p * L), s);
            }
            float d = f16(data, blk);
            acc = s.fma(FloatVector.broadcast(F, d), acc);
            corr += d * xs[b];
        }
        return sum(acc) - 8 * corr;
    }
}
