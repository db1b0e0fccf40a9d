package carto.inference.tensor;

import carto.inference.gguf.GgmlType;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

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
        for (int b = 0; b < cols / 32; b++) {
            long blk = base + 34L * b;
            float d = f16(data, blk);
            for (int j = 0; j < 32; j++) out[off + 32 * b + j] = d * data.get(ValueLayout.JAVA_BYTE, blk + 2 + j);
        }
    }

    @Override
    float dotVector(int row, float[] x, int xOff) {
        long base = row * rowBytes;
        int blocks = cols / 32;
        FloatVector acc0 = FloatVector.zero(F), acc1 = acc0;
        int b = 0;
        for (; b + 1 < blocks; b += 2) {
            long blk = base + 34L * b;
            acc0 = block(blk, x, xOff + 32 * b, acc0);
            acc1 = block(blk + 34, x, xOff + 32 * b + 32, acc1);
        }
        if (b < blocks) acc0 = block(base + 34L * b, x, xOff + 32 * b, acc0);
        return sum(acc0.add(acc1));
    }

    private FloatVector block(long blk, float[] x, int xi, FloatVector acc) {
        float d = f16(data, blk);
        ByteVector q = ByteVector.fromMemorySegment(ByteVector.SPECIES_256, data, blk + 2, LE);
        FloatVector s = ((FloatVector) q.convertShape(VectorOperators.B2F, F, 0)).mul(FloatVector.fromArray(F, x, xi));
        for (int p = 1; p < 32 / L; p++) {
            s = ((FloatVector) q.convertShape(VectorOperators.B2F, F, p)).fma(FloatVector.fromArray(F, x, xi + p * L), s);
        }
        return s.fma(FloatVector.broadcast(F, d), acc);
    }
}
