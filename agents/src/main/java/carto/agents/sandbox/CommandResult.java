package carto.agents.sandbox;

import java.time.Duration;

/**
 * How a command ended: exit code (-1 when killed), output (stdout and stderr interleaved; the
 * middle dropped beyond the output limit), whether it ran out of time, and whether it ran
 * isolated.
 */
public record CommandResult(String command, int exitCode, String output, boolean timedOut, boolean truncated, long outputBytes,
                            Duration time, boolean sandboxed) {
    public boolean ok() {
        return exitCode == 0 && !timedOut;
    }

    /** A short description for logs and agents: how it ended, then the output. */
    public String summary() {
        String how = timedOut ? "timed out after " + time.toSeconds() + " s (killed)" : "exit code " + exitCode;
        return "$ " + command + "\n[" + how + (truncated ? ", output truncated to its head and tail" : "") + "]\n" + output;
    }
}
