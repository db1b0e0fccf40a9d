package carto.agents.llm;

import com.fasterxml.jackson.databind.JsonNode;

/** Something an agent can call: a name, what it does, the JSON Schema of its arguments, and the call itself. */
public interface Tool {
    String name();

    String description();

    /** JSON Schema (an object schema) of the arguments, as JSON text. */
    String parameters();

    /**
     * Runs the tool. The result is text for the model; a {@link ToolException} carries a message
     * the model can act on (it is sent back instead of a result).
     */
    String call(JsonNode arguments);
}
