package carto.inference.model;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** RoPE scaling variants against their definitions. */
class RopeTest {
    static float[] angles(Rope r, int pos, int dims) {
        float[] cs = new float[dims];
        r.angles(pos, cs);
        return cs;
    }

    @Test
    void unscaledAnglesArePositionTimesFrequency() {
        Rope r = new Rope(Rope.Style.NORMAL, 8, 10000f, Rope.Scaling.NONE, 0, 2048, null, 1f, 32, 1);
        float[] cs = angles(r, 7, 8);
        for (int i = 0; i < 4; i++) {
            double theta = 7 * Math.pow(10000, -2.0 * i / 8);
            assertEquals(Math.cos(theta), cs[2 * i], 1e-5);
            assertEquals(Math.sin(theta), cs[2 * i + 1], 1e-5);
        }
    }

    @Test
    void linearScalingDividesThePosition() {
        Rope scaled = new Rope(Rope.Style.NORMAL, 8, 10000f, Rope.Scaling.LINEAR, 4f, 2048, null, 1f, 32, 1);
        Rope plain = new Rope(Rope.Style.NORMAL, 8, 10000f, Rope.Scaling.NONE, 0, 2048, null, 1f, 32, 1);
        float[] a = angles(scaled, 40, 8), b = new float[8];
        // angle(40) with factor 4 equals angle(10) unscaled
        plain.angles(10, b);
        assertArrayEquals(b, a, 1e-5f);
    }

    @Test
    void llama3FrequencyFactorsDivideEachPairsFrequency() {
        float[] factors = {1f, 2f, 8f, 32f};
        Rope r = new Rope(Rope.Style.NORMAL, 8, 500000f, Rope.Scaling.NONE, 0, 8192, factors, 1f, 32, 1);
        float[] cs = angles(r, 100, 8);
        for (int i = 0; i < 4; i++) {
            double theta = 100 * Math.pow(500000, -2.0 * i / 8) / factors[i];
            assertEquals(Math.cos(theta), cs[2 * i], 1e-4);
        }
    }

    @Test
    void yarnInterpolatesLowFrequenciesExtrapolatesHighOnesAndScalesMagnitude() {
        float factor = 4f;
        Rope yarn = new Rope(Rope.Style.NEOX, 64, 10000f, Rope.Scaling.YARN, factor, 4096, null, 1f, 32, 1);
        float[] cs = angles(yarn, 1000, 64);
        double mscale = 1 + 0.1 * Math.log(factor);
        // highest frequency pair: extrapolated (no interpolation), lowest: interpolated (position / factor)
        double hi = 1000.0;
        double lo = 1000.0 * Math.pow(10000, -2.0 * 31 / 64) / factor;
        assertEquals(Math.cos(hi) * mscale, cs[0], 2e-3);
        assertEquals(Math.cos(lo) * mscale, cs[62], 2e-3);
        double magnitude = Math.hypot(cs[10], cs[11]);
        assertEquals(mscale, magnitude, 1e-5);
    }

    @Test
    void deltaRotationComposesWithPosition() {
        Rope r = new Rope(Rope.Style.NEOX, 64, 1_000_000f, Rope.Scaling.NONE, 0, 32768, null, 1f, 32, 1);
        float[] x = new float[64];
        for (int i = 0; i < 64; i++) x[i] = (float) Math.sin(i + 1);
        float[] atFive = x.clone(), atNine = x.clone();
        float[] cs = new float[64], delta = new float[64];
        r.angles(5, cs);
        r.rotate(atFive, 0, cs);
        r.deltaAngles(4, delta);
        r.rotate(atFive, 0, delta);
        r.angles(9, cs);
        r.rotate(atNine, 0, cs);
        assertArrayEquals(atNine, atFive, 1e-4f);
    }
}
