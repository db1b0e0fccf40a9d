package carto.inference.tensor;

import carto.inference.gguf.GgmlType;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;

/** IEEE half-precision weights. */
public final class F16Matrix extends WeightMatrix {
    static final VectorSpecies<Short> S = VectorSpecies.of(short.class, VectorShape.forBitSize(Math.max(64, L * 16)));
    static final VectorSpecies<Integer> I = VectorSpecies.of(int.class, F.vectorShape());

    F16Matrix(String name, int rows, int cols, MemorySegment data) {
        super(name, GgmlType.F16, rows, cols, data);
    }

    @Override
    public void dequantizeRow(int row, float[] out, int off) {
        long base = row * rowBytes;
        for (int i = 0; i < cols; i++) out[off + i] = Float.float16ToFloat(data.get(I16, base + 2L * i));
    }

    /** Half to float on the vector unit: shift exponent+mantissa into place, rescale by 2^112, restore the sign (finite values). */
    static FloatVector toFloat(ShortVector h) {
        IntVector i = (IntVector) h.convertShape(VectorOperators.S2I, I, 0);
        FloatVector magnitude = i.and(0x7fff).lanewise(VectorOperators.LSHL, 13).reinterpretAsFloats().mul(0x1p112f);
        IntVector sign = i.and(0x8000).lanewise(VectorOperators.LSHL, 16);
        return magnitude.reinterpretAsInts().or(sign).reinterpretAsFloats();
    }

    @Override
    float dotVector(int row, float[] x, int xOff) {
        long base = row * rowBytes;
        FloatVector acc = FloatVector.zero(F);
        int upper = F.loopBound(cols);
        int i = 0;
        for (; i < upper; i += L) {
            FloatVector w = toFloat(ShortVector.fromMemorySegment(S, data, base + 2L * i, LE));
            acc = w.fma(FloatVector.fromArray(F, x, xOff + i), acc);
        }
        float s = sum(acc);
        for (; i < cols; i++) s += Float.float16ToFloat(data.get(I16, base + 2L * i)) * x[xOff + i];
        return s;
    }
}
