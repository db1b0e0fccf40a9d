package carto.inference.lm;

/** Why a generation ended. */
public enum FinishReason {
    /** An end-of-generation token or a stop string. */
    STOP,
    /** The token limit or the context window. */
    LENGTH,
    CANCELLED,
    TOOL_CALLS;

    /** The OpenAI wire name. */
    public String wireName() {
        return switch (this) {
            case STOP -> "stop";
            case LENGTH -> "length";
            case CANCELLED -> "cancelled";
            case TOOL_CALLS -> "tool_calls";
        };
    }
}
