package carto.agents.llm;

/** A tool call that failed in a way the model can fix: the message goes back to it. */
public class ToolException extends RuntimeException {
    public ToolException(String message) {
        super(message);
    }
}
