package carto.inference.lm;

/** Lets another thread stop a generation; the generation returns what it has with {@link FinishReason#CANCELLED}. */
public final class CancelToken {
    private volatile boolean cancelled;

    public void cancel() {
        cancelled = true;
    }

    public boolean isCancelled() {
        return cancelled;
    }

    public static CancelToken none() {
        return new CancelToken();
    }
}
