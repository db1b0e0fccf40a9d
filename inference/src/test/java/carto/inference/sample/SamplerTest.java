package carto.inference.sample;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SamplerTest {
    final float[] logits = {1f, 3f, 2.5f, -1f, 2.9f};

    @Test
    void greedyAndTopOneAgree() {
        assertEquals(1, new Sampler(SamplingParams.GREEDY).sample(logits, new int[0], 0));
        assertEquals(1, new Sampler(new SamplingParams(1.5, 1, 1, 0, 1, 64, 9)).sample(logits, new int[0], 0));
    }

    @Test
    void repetitionPenaltyPushesRecentTokensDown() {
        SamplingParams p = new SamplingParams(0, 0, 1, 0, 1.5, 64, 0);
        assertEquals(4, new Sampler(p).sample(logits, new int[]{1}, 1));
    }

    @Test
    void topPAndMinPRestrictTheCandidates() {
        int[] counts = new int[5];
        Sampler topP = new Sampler(new SamplingParams(1, 0, 0.5, 0, 1, 64, 3));
        for (int i = 0; i < 2000; i++) counts[topP.sample(logits, new int[0], 0)]++;
        assertEquals(0, counts[0] + counts[3] + counts[2], "top-p 0.5 keeps only the two best tokens");
        assertTrue(counts[1] > counts[4] && counts[4] > 500, java.util.Arrays.toString(counts));
        int[] c2 = new int[5];
        Sampler minP = new Sampler(new SamplingParams(1, 0, 1, 0.5, 1, 64, 3));
        for (int i = 0; i < 2000; i++) c2[minP.sample(logits, new int[0], 0)]++;
        assertEquals(0, c2[0] + c2[3], "min-p 0.5 drops tokens under half the best probability");
        assertTrue(c2[2] > 0);
    }

    @Test
    void temperatureShapesTheDistribution() {
        int[] cold = new int[5], hot = new int[5];
        Sampler c = new Sampler(new SamplingParams(0.1, 0, 1, 0, 1, 64, 1));
        Sampler h = new Sampler(new SamplingParams(5, 0, 1, 0, 1, 64, 1));
        for (int i = 0; i < 3000; i++) {
            cold[c.sample(logits, new int[0], 0)]++;
            hot[h.sample(logits, new int[0], 0)]++;
        }
        assertTrue(cold[1] > 2000, java.util.Arrays.toString(cold));
        assertTrue(hot[3] > 100, java.util.Arrays.toString(hot));
    }

    @Test
    void invalidParametersAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> new SamplingParams(-1, 0, 1, 0, 1, 64, 0));
        assertThrows(IllegalArgumentException.class, () -> new SamplingParams(1, 0, 0, 0, 1, 64, 0));
        assertThrows(IllegalArgumentException.class, () -> new SamplingParams(1, 0, 1, 1.5, 1, 64, 0));
    }
}
