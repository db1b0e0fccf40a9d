package carto.agents.sandbox;

/** A command that cannot be run safely (no sandbox and no opt-in), or a working copy that cannot be made. */
public class SandboxException extends RuntimeException {
    public SandboxException(String message) {
        super(message);
    }

    public SandboxException(String message, Throwable cause) {
        super(message, cause);
    }
}
