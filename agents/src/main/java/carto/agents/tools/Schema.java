package carto.agents.tools;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import carto.agents.llm.ToolException;

/** Small builders for argument schemas, and typed reads of arguments with clear complaints. */
public final class Schema {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** One property: name, JSON type, description, and whether it is required. */
    public record Prop(String name, String type, String description, boolean required) {}

    private Schema() {}

    public static Prop req(String name, String type, String description) {
        return new Prop(name, type, description, true);
    }

    public static Prop opt(String name, String type, String description) {
        return new Prop(name, type, description, false);
    }

    public static String object(Prop... props) {
        ObjectNode o = JSON.createObjectNode();
        o.put("type", "object");
        ObjectNode p = o.putObject("properties");
        ArrayNode req = o.putArray("required");
        for (Prop x : props) {
            ObjectNode d = p.putObject(x.name());
            d.put("type", x.type());
            if (x.type().equals("array")) d.putObject("items").put("type", "string");
            d.put("description", x.description());
            if (x.required()) req.add(x.name());
        }
        return o.toString();
    }

    public static String str(JsonNode args, String name) {
        JsonNode v = args.get(name);
        if (v == null || v.isNull()) throw new ToolException("the argument \"" + name + "\" is missing");
        return v.asText();
    }

    public static String str(JsonNode args, String name, String fallback) {
        JsonNode v = args.get(name);
        return v == null || v.isNull() || v.asText().isEmpty() ? fallback : v.asText();
    }

    public static int integer(JsonNode args, String name, int fallback) {
        JsonNode v = args.get(name);
        if (v == null || v.isNull() || v.asText().isBlank()) return fallback;
        if (v.isIntegralNumber()) return v.asInt();
        try {
            return Integer.parseInt(v.asText().strip());
        } catch (NumberFormatException e) {
            throw new ToolException("the argument \"" + name + "\" must be an integer, not \"" + v.asText() + "\"");
        }
    }
}
