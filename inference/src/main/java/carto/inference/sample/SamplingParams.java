package carto.inference.sample;

/**
 * How to pick the next token. {@code temperature <= 0} is greedy; otherwise the llama.cpp
 * order applies: repetition penalty, top-k, top-p, min-p, temperature, then a seeded draw.
 */
public record SamplingParams(double temperature, int topK, double topP, double minP,
                             double repeatPenalty, int repeatLastN, long seed) {
    public static final SamplingParams GREEDY = new SamplingParams(0, 0, 1, 0, 1, 64, 0);

    public SamplingParams {
        if (Double.isNaN(temperature) || temperature < 0) throw new IllegalArgumentException("temperature must be >= 0, got " + temperature);
        if (topK < 0) throw new IllegalArgumentException("top_k must be >= 0, got " + topK);
        if (!(topP > 0 && topP <= 1)) throw new IllegalArgumentException("top_p must be in (0, 1], got " + topP);
        if (!(minP >= 0 && minP < 1)) throw new IllegalArgumentException("min_p must be in [0, 1), got " + minP);
        if (!(repeatPenalty > 0)) throw new IllegalArgumentException("repeat_penalty must be > 0, got " + repeatPenalty);
        if (repeatLastN < 0) throw new IllegalArgumentException("repeat_last_n must be >= 0, got " + repeatLastN);
    }

    public static SamplingParams of(double temperature, long seed) {
        return new SamplingParams(temperature, 40, 0.95, 0.05, 1.0, 64, seed);
    }

    public boolean greedy() {
        return temperature <= 0;
    }
}
