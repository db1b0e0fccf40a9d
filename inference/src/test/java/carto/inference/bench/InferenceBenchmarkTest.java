package carto.inference.bench;

import carto.inference.Fixtures;
import carto.inference.model.Model;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class InferenceBenchmarkTest {

    @Test
    void reportsBestAndMedianOfTimedRunsAfterAnUntimedWarmUp() {
        Path model = Fixtures.fixture("models/synthetic-llama-dscoder-q4_0.gguf");
        Map<String, Object> r = InferenceBenchmark.run(new InferenceBenchmark.Options(model, 2, 24, 6, 3));

        assertEquals("llama", r.get("arch"));
        assertEquals(3, r.get("repeats"));
        assertTrue(((Number) r.get("warmup_seconds")).doubleValue() > 0);
        double pp = num(r, "prompt_tokens_per_second"), ppMedian = num(r, "prompt_tokens_per_second_median");
        double gen = num(r, "generation_tokens_per_second"), genMedian = num(r, "generation_tokens_per_second_median");
        assertTrue(pp > 0 && gen > 0, r::toString);
        assertTrue(ppMedian <= pp && genMedian <= gen, () -> "the median of the runs cannot beat the best: " + r);
        assertTrue(((String) r.get("weight_types")).contains("Q4_0"), r::toString);

        try (Model m = Model.load(model, 1)) {
            assertEquals(m.weights().matrixBytes(), ((Number) r.get("weight_bytes_per_token")).longValue());
        }
        double bound = num(r, "bandwidth_bound_tokens_per_second");
        assertTrue(num(r, "read_bandwidth_gb_per_second") > 0 && bound > 0, r::toString);
        assertEquals(gen / bound, num(r, "generation_fraction_of_bandwidth_bound"), 0.01, r::toString);
    }

    @Test
    void medianOfOddAndEvenCounts() {
        assertEquals(2.0, InferenceBenchmark.median(new double[]{3, 1, 2}));
        assertEquals(2.5, InferenceBenchmark.median(new double[]{4, 1, 3, 2}));
    }

    private static double num(Map<String, Object> r, String key) {
        Object v = r.get(key);
        assertTrue(v instanceof Number, () -> key + " missing or not a number in " + r);
        return ((Number) v).doubleValue();
    }
}
