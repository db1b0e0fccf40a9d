package carto.agents.sandbox;

import java.time.Duration;

/** What one command may use: wall time, address space, and output kept (head and tail). */
public record Limits(Duration timeout, long memoryBytes, int outputBytes) {
    public static final Limits DEFAULT = new Limits(Duration.ofMinutes(10), 4L << 30, 256 << 10);

    public Limits {
        if (timeout == null || timeout.isNegative() || timeout.isZero()) throw new IllegalArgumentException("a command's time limit must be positive");
        if (memoryBytes < 64L << 20) throw new IllegalArgumentException("a command's memory limit must be at least 64 MiB");
        if (outputBytes < 1024) throw new IllegalArgumentException("a command's output limit must be at least 1 KiB");
    }

    public Limits withTimeout(Duration t) {
        return new Limits(t, memoryBytes, outputBytes);
    }
}
