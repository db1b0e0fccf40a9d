package carto.agents.tools;

import carto.agents.llm.Tool;
import com.fasterxml.jackson.databind.JsonNode;

import java.util.function.Function;

/** A tool made of a name, a description, an argument schema and a function. */
public record FunctionTool(String name, String description, String parameters, Function<JsonNode, String> body) implements Tool {
    @Override
    public String call(JsonNode arguments) {
        return body.apply(arguments);
    }
}
