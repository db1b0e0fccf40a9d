package carto.inference.lm;

/** A language-model call that failed in a way the caller should report (unreachable server, bad answer, unsupported request). */
public class ModelException extends RuntimeException {
    public ModelException(String message) {
        super(message);
    }

    public ModelException(String message, Throwable cause) {
        super(message, cause);
    }
}
