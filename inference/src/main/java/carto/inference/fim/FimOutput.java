package carto.inference.fim;

import carto.inference.lm.TokenSink;

/**
 * The text of a fill-in-the-middle completion as it is generated: decides with {@link FimStopper}
 * where it ends, and streams only what can no longer be cut (whole lines, short of the suffix
 * overlap the end may trim), so a client never receives text that the final answer lacks.
 */
public final class FimOutput {
    private final FimStopper stopper;
    private final String suffix;
    private final TokenSink sink;
    private final StringBuilder text = new StringBuilder();
    private int emitted;
    private boolean ended;

    public FimOutput(String prefix, String suffix, TokenSink sink) {
        this.stopper = new FimStopper(prefix, suffix);
        this.suffix = suffix;
        this.sink = sink == null ? TokenSink.NONE : sink;
    }

    /** Adds generated text; true when the completion ends here (the rest is cut). */
    public boolean push(String piece) {
        if (ended) return true;
        text.append(piece);
        int cut = stopper.cut(text.toString());
        if (cut >= 0) {
            text.setLength(cut);
            ended = true;
            return true;
        }
        int safe = text.lastIndexOf("\n", text.length() - 41);
        if (safe > emitted) {
            sink.accept(text.substring(emitted, safe));
            emitted = safe;
        }
        return false;
    }

    /** Whether a stop rule ended the completion (rather than a stop token or the length limit). */
    public boolean ended() {
        return ended;
    }

    /** The final text; streams whatever was held back. */
    public String finish() {
        String t = stopper.finish(text.toString(), suffix);
        if (t.length() > emitted) sink.accept(t.substring(emitted));
        emitted = Math.max(emitted, t.length());
        return t;
    }
}
