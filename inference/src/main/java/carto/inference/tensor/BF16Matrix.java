package carto.inference.tensor;

import carto.inference.gguf.GgmlType;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;

/** bfloat16 weights: the top 16 bits of a float32. */
public final class BF16Matrix extends WeightMatrix {
    static final VectorSpecies<Short> S = VectorSpecies.of(short.class, VectorShape.forBitSize(Math.max(64, L * 16)));
    static final VectorSpecies<Integer> I = VectorSpecies.of(int.class, F.vectorShape());

    BF16Matrix(String name, int rows, int cols, MemorySegment data) {
        super(name, GgmlType.BF16, rows, cols, data);
    }

    static float bf16(short s) {
        return Float.intBitsToFloat(s << 16);
    }

    @Override
    public void dequantizeRow(int row, float[] out, int off) {
        long base = row * rowBytes;
        for (int i = 0; i < cols; i++) out[off + i] = bf16(data.get(I16, base + 2L * i));
    }

    @Override
    float dotVector(int row, float[] x, int xOff) {
        long base = row * rowBytes;
        FloatVector acc = FloatVector.zero(F);
        int upper = F.loopBound(cols);
        int i = 0;
        for (; i < upper; i += L) {
            ShortVector h = ShortVector.fromMemorySegment(S, data, base + 2L * i, LE);
            FloatVector w = ((IntVector) h.convertShape(VectorOperators.S2I, I, 0)).lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
            acc = w.fma(FloatVector.fromArray(F, x, xOff + i), acc);
        }
        float s = sum(acc);
        for (; i < cols; i++) s += bf16(data.get(I16, base + 2L * i)) * x[xOff + i];
        return s;
    }
}
