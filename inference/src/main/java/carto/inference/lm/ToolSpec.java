package carto.inference.lm;

/** A function the model may call: name, description and the JSON Schema of its arguments (as JSON text). */
public record ToolSpec(String name, String description, String parametersJsonSchema) {}
