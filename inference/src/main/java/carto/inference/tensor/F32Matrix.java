package carto.inference.tensor;

import carto.inference.gguf.GgmlType;
import jdk.incubator.vector.FloatVector;

import java.lang.foreign.MemorySegment;

/** Plain little-endian float32 weights. */
public final class F32Matrix extends WeightMatrix {
    F32Matrix(String name, int rows, int cols, MemorySegment data) {
        super(name, GgmlType.F32, rows, cols, data);
    }

    @Override
    public void dequantizeRow(int row, float[] out, int off) {
        MemorySegment.copy(data, F32, row * rowBytes, out, off, cols);
    }

    @Override
    float dotVector(int row, float[] x, int xOff) {
        long base = row * rowBytes;
        FloatVector acc = FloatVector.zero(F);
        int upper = F.loopBound(cols);
        int i = 0;
        for (; i < upper; i += L) {
            acc = FloatVector.fromMemorySegment(F, data, base + 4L * i, LE).fma(FloatVector.fromArray(F, x, xOff + i), acc);
        }
        float s = sum(acc);
        for (; i < cols; i++) s += data.get(F32, base + 4L * i) * x[xOff + i];
        return s;
    }
}
