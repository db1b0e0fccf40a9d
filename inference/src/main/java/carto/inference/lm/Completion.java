package carto.inference.lm;

import java.time.Duration;
import java.util.List;

/** The result of a generation, with the token counts and time it cost. */
public record Completion(String text, FinishReason finishReason, int promptTokens, int completionTokens, Duration time,
                         List<ToolCall> toolCalls) {
    public Completion {
        toolCalls = toolCalls == null ? List.of() : List.copyOf(toolCalls);
    }

    public double tokensPerSecond() {
        double s = time.toNanos() / 1e9;
        return s > 0 ? completionTokens / s : 0;
    }
}
