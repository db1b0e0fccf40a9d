package carto.inference.lm;

/** Lets another thread stop a generation; the generation returns what it has with {@link FinishReason#CANCELLED}. */
public final class CancelToken {
    private final CancelToken parent;
    private volatile boolean cancelled;

    public CancelToken() {
        this(null);
    }

    private CancelToken(CancelToken parent) {
        this.parent = parent;
    }

    public void cancel() {
        cancelled = true;
    }

    public boolean isCancelled() {
        return cancelled || (parent != null && parent.isCancelled());
    }

    /** A token that is cancelled when this one is, and can also be cancelled on its own. */
    public CancelToken child() {
        return new CancelToken(this);
    }

    public static CancelToken none() {
        return new CancelToken();
    }
}
