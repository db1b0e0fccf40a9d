package carto.inference.tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/** Shared helpers of the 256-element K-quant formats. */
final class KQuants {
    private KQuants() {}

    /** Unpacks the 8 six-bit scales and 8 six-bit mins of a Q4_K/Q5_K super-block (12 bytes at {@code off}). */
    static void scalesAndMins(MemorySegment seg, long off, int[] sc, int[] m) {
        int[] q = new int[12];
        for (int i = 0; i < 12; i++) q[i] = seg.get(ValueLayout.JAVA_BYTE, off + i) & 0xff;
        for (int j = 0; j < 8; j++) {
            if (j < 4) {
                sc[j] = q[j] & 63;
                m[j] = q[j + 4] & 63;
            } else {
                sc[j] = (q[j + 4] & 0xf) | ((q[j - 4] >>> 6) << 4);
                m[j] = (q[j + 4] >>> 4) | ((q[j] >>> 6) << 4);
            }
        }
    }
}
