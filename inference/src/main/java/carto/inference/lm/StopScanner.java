package carto.inference.lm;

import java.util.List;

/**
 * Accumulates generated text, ends it at the first stop string, and streams only text that can
 * no longer turn out to be the start of a stop string.
 */
final class StopScanner {
    private final List<String> stops;
    private final TokenSink sink;
    private final int longest;
    private final StringBuilder text = new StringBuilder();
    private int emitted;
    private boolean stopped;

    StopScanner(List<String> stops, TokenSink sink) {
        this.stops = stops;
        this.sink = sink == null ? TokenSink.NONE : sink;
        this.longest = stops.stream().mapToInt(String::length).max().orElse(0);
    }

    /** Adds a piece; returns true when a stop string has been reached (the text is cut before it). */
    boolean push(String piece) {
        if (stopped) return true;
        text.append(piece);
        int from = Math.max(0, emitted - longest);
        int cut = -1;
        for (String s : stops) {
            int i = text.indexOf(s, from);
            if (i >= 0 && (cut < 0 || i < cut)) cut = i;
        }
        if (cut >= 0) {
            text.setLength(cut);
            emit(cut);
            stopped = true;
            return true;
        }
        emit(text.length() - heldBack());
        return false;
    }

    /** Length of the longest suffix of the text that is a proper prefix of a stop string. */
    private int heldBack() {
        int max = Math.min(longest - 1, text.length());
        for (int k = max; k > 0; k--) {
            for (String s : stops) {
                if (s.length() > k && text.substring(text.length() - k).equals(s.substring(0, k))) return k;
            }
        }
        return 0;
    }

    private void emit(int upTo) {
        if (upTo > emitted) {
            sink.accept(text.substring(emitted, upTo));
            emitted = upTo;
        }
    }

    /** Flushes what was held back and returns the whole text. */
    String finish() {
        emit(text.length());
        return text.toString();
    }
}
