package carto.inference.tensor;

import carto.inference.gguf.GgmlType;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/** Float rows to GGML blocks, with ggml's reference rounding so results are byte-identical to llama-quantize. */
public final class Quantizer {
    private static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private Quantizer() {}

    /** Types {@link #quantize} can produce. */
    public static boolean canProduce(GgmlType t) {
        return t == GgmlType.F32 || t == GgmlType.F16 || t == GgmlType.BF16 || t == GgmlType.Q8_0 || t == GgmlType.Q4_0;
    }

    /** Encodes {@code n} floats from {@code x[off..]} into {@code out} at byte offset {@code outOff}. */
    public static void quantize(GgmlType type, float[] x, int off, int n, MemorySegment out, long outOff) {
        if (n % type.blockSize != 0) throw new IllegalArgumentException(n + " values are not a multiple of the " + type + " block size");
        switch (type) {
            case F32 -> MemorySegment.copy(x, off, out, F32, outOff, n);
            case F16 -> {
                for (int i = 0; i < n; i++) out.set(I16, outOff + 2L * i, Float.floatToFloat16(x[off + i]));
            }
            case BF16 -> {
                for (int i = 0; i < n; i++) out.set(I16, outOff + 2L * i, toBf16(x[off + i]));
            }
            case Q8_0 -> q8_0(x, off, n, out, outOff);
            case Q4_0 -> q4_0(x, off, n, out, outOff);
            default -> throw new IllegalArgumentException("Carto cannot quantize to " + type + " (it can produce F32, F16, BF16, Q8_0, Q4_0)");
        }
    }

    /** Round-to-nearest-even truncation to bfloat16, NaN kept quiet (as ggml_fp32_to_bf16). */
    static short toBf16(float f) {
        int u = Float.floatToRawIntBits(f);
        if ((u & 0x7fffffff) > 0x7f800000) return (short) ((u >>> 16) | 64);
        return (short) ((u + (0x7fff + ((u >>> 16) & 1))) >>> 16);
    }

    /** C's roundf: half away from zero. */
    private static int roundf(float v) {
        return (int) (v < 0 ? -Math.floor(-v + 0.5f) : Math.floor(v + 0.5f));
    }

    private static void q8_0(float[] x, int off, int n, MemorySegment out, long o) {
        for (int b = 0; b < n / 32; b++) {
            int base = off + 32 * b;
            float amax = 0;
            for (int j = 0; j < 32; j++) amax = Math.max(amax, Math.abs(x[base + j]));
            float d = amax / 127;
            float id = d != 0 ? 1.0f / d : 0.0f;
            long blk = o + 34L * b;
            out.set(I16, blk, Float.floatToFloat16(d));
            for (int j = 0; j < 32; j++) out.set(ValueLayout.JAVA_BYTE, blk + 2 + j, (byte) roundf(x[base + j] * id));
        }
    }

    private static void q4_0(float[] x, int off, int n, MemorySegment out, long o) {
        for (int b = 0; b < n / 32; b++) {
            int base = off + 32 * b;
            float amax = 0, max = 0;
            for (int j = 0; j < 32; j++) {
                float v = x[base + j];
                if (amax < Math.abs(v)) {
                    amax = Math.abs(v);
                    max = v;
                }
            }
            float d = max / -8;
            float id = d != 0 ? 1.0f / d : 0.0f;
            long blk = o + 18L * b;
            out.set(I16, blk, Float.floatToFloat16(d));
            for (int j = 0; j < 16; j++) {
                int q0 = Math.min(15, (byte) (int) (x[base + j] * id + 8.5f));
                int q1 = Math.min(15, (byte) (int) (x[base + 16 + j] * id + 8.5f));
                out.set(ValueLayout.JAVA_BYTE, blk + 2 + j, (byte) (q0 | (q1 << 4)));
            }
        }
    }
}
