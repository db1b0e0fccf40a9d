package carto.inference.tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/** Shared helpers of the 256-element K-quant formats. */
final class KQuants {
    private KQuants() {}

    /** Unpacks the 8 six-bit scales and 8 six-bit mins of a Q4_K/Q5_K super-block (12 bytes at {@code off}). */
    static void scalesAndMins(MemorySegment seg, long off, int[] sc, int[] m) {
        for (int j = 0; j < 4; j++) {
            int a = seg.get(ValueLayout.JAVA_BYTE, off + j) & 0xff;
            int b = seg.get(ValueLayout.JAVA_BYTE, off + j + 4) & 0xff;
            int c = seg.get(ValueLayout.JAVA_BYTE, off + j + 8) & 0xff;
            sc[j] = a & 63;
            m[j] = b & 63;
            sc[j + 4] = (c & 0xf) | ((a >>> 6) << 4);
            m[j + 4] = (c >>> 4) | ((b >>> 6) << 4);
        }
    }
}
