package carto.inference.lm;

import carto.inference.sample.SamplingParams;

import java.util.List;

/** Limits and sampling for one generation: at most {@code maxTokens} new tokens, ending early at any stop string. */
public record GenerationOptions(int maxTokens, SamplingParams sampling, List<String> stop) {
    public GenerationOptions {
        if (maxTokens < 1) throw new IllegalArgumentException("max_tokens must be at least 1, got " + maxTokens);
        sampling = sampling == null ? SamplingParams.GREEDY : sampling;
        stop = stop == null ? List.of() : List.copyOf(stop);
        for (String s : stop) if (s.isEmpty()) throw new IllegalArgumentException("stop strings must not be empty");
    }

    public static GenerationOptions greedy(int maxTokens) {
        return new GenerationOptions(maxTokens, SamplingParams.GREEDY, List.of());
    }

    public GenerationOptions withStop(List<String> more) {
        java.util.List<String> all = new java.util.ArrayList<>(stop);
        all.addAll(more);
        return new GenerationOptions(maxTokens, sampling, all);
    }
}
