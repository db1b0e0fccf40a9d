package carto.api;

import java.io.PrintStream;
import java.util.Locale;

/**
 * A one-line progress bar on stderr (items done, rate, ETA), redrawn at most ten times a second,
 * and only when stderr is a terminal.
 */
public final class ProgressBar {
    private final PrintStream out;
    private final boolean enabled;
    private String label = "";
    private long phaseStart = System.nanoTime();
    private long lastDraw;
    private final String unit;

    public ProgressBar(String unit) {
        this.out = System.err;
        this.enabled = System.console() != null && !"dumb".equals(System.getenv("TERM"));
        this.unit = unit;
    }

    public void phase(String name) {
        if (!enabled) return;
        label = name;
        phaseStart = System.nanoTime();
        draw(0, 0, true);
    }

    public void update(long done, long total) {
        if (!enabled) return;
        long now = System.nanoTime();
        if (now - lastDraw < 100_000_000L && done < total) return;
        lastDraw = now;
        draw(done, total, false);
    }

    private void draw(long done, long total, boolean force) {
        double secs = Math.max(1e-3, (System.nanoTime() - phaseStart) / 1e9);
        double rate = done / secs;
        StringBuilder sb = new StringBuilder("\r\033[2K").append(String.format(Locale.ROOT, "%-14s", label));
        if (total > 0) {
            int width = 30;
            int fill = (int) (width * Math.min(1.0, (double) done / total));
            sb.append(" [").append("=".repeat(fill)).append(fill < width ? ">" : "").append(" ".repeat(Math.max(0, width - fill - 1))).append("] ");
            sb.append(String.format(Locale.ROOT, "%,d/%,d %s  %.0f %s/s", done, total, unit, rate, unit));
            if (rate > 0 && done < total) sb.append(String.format(Locale.ROOT, "  ETA %ds", Math.round((total - done) / rate)));
        }
        out.print(sb);
        out.flush();
    }

    public void finish() {
        if (!enabled) return;
        out.print("\r\033[2K");
        out.flush();
    }
}
