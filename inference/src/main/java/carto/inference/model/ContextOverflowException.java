package carto.inference.model;

/** A request needs more positions than the context window (or KV cache) holds. */
public class ContextOverflowException extends RuntimeException {
    public ContextOverflowException(String message) {
        super(message);
    }
}
