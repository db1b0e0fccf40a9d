package carto.inference.lm;

/** A model's request to call a tool, with its arguments as JSON text. */
public record ToolCall(String id, String name, String argumentsJson) {}
