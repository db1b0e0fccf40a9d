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
            ByteVector q = ByteVector.fromMemorySegment(ByteVector.SPECIES_256, data, blk + 2, LE);
            for (int p = 0; p < 32 / L; p++) {
                ((FloatVector) q.convertShape(VectorOperators.B2F, F, p)).mul(d).intoArray(out, off + 32 * b + p * L);
            }
        }
    }

    @Override
    float dotVector(int row, float[] x, int xOff) {
        long base = row * rowBytes;
        FloatVector acc = FloatVector.zero(F);
        for (int b = 0; b < cols / 32; b++) {
            long blk = base + 34L * b;
            int xi = xOff + 32 * b;
            ByteVector q = ByteVector.fromMemorySegment(ByteVector.SPECIES_256, data, blk + 2, LE);
            FloatVector s = FloatVector.zero(F);
            for (int p = 0; p < 32 / L; p++) {
                s = ((FloatVector) q.convertShape(VectorOperators.B2F, F, p)).fma(FloatVector.fromArray(F, x, xi + p * L), s);
            }
            acc = s.fma(FloatVector.broadcast(F, f16(data, blk)), acc);
        }
        return sum(acc);
    }
}
