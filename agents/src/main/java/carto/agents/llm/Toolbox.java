package carto.agents.llm;

import carto.inference.lm.ToolCall;
import carto.inference.lm.ToolSpec;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The tools of one agent: specs for the model, and calls checked against each tool's schema
 * (required arguments present, simple types right) before they run, so a sloppy call gets a
 * precise complaint instead of a crash.
 */
public final class Toolbox {
    /** What a call produced: the text for the model and whether it was an error. */
    public record Outcome(String text, boolean error) {}

    private static final ObjectMapper JSON = new ObjectMapper();
    private final Map<String, Tool> tools = new LinkedHashMap<>();
    private final int maxResultChars;

    public Toolbox(Collection<Tool> tools, int maxResultChars) {
        for (Tool t : tools) this.tools.put(t.name(), t);
        this.maxResultChars = maxResultChars;
    }

    public Toolbox(Collection<Tool> tools) {
        this(tools, 12_000);
    }

    public Collection<Tool> tools() {
        return tools.values();
    }

    public List<String> names() {
        return new ArrayList<>(tools.keySet());
    }

    public List<ToolSpec> specs() {
        return tools.values().stream().map(t -> new ToolSpec(t.name(), t.description(), t.parameters())).toList();
    }

    public Outcome call(ToolCall call) {
        String name = TextToolProtocol.resolveName(call.name(), tools.keySet());
        Tool t = name == null ? null : tools.get(name);
        if (t == null) return new Outcome("error: there is no tool named \"" + call.name() + "\"; the tools are: " + String.join(", ", tools.keySet()), true);
        JsonNode args;
        try {
            args = TextToolProtocol.LENIENT.readTree(call.argumentsJson() == null || call.argumentsJson().isBlank() ? "{}" : call.argumentsJson());
        } catch (Exception e) {
            return new Outcome("error: the arguments of " + t.name() + " are not a JSON object: " + e.getMessage().lines().findFirst().orElse(""), true);
        }
        String problem = check(t, args);
        if (problem != null) return new Outcome("error: " + problem, true);
        try {
            String r = t.call(args);
            return new Outcome(bound(r == null ? "" : r), false);
        } catch (ToolException e) {
            return new Outcome("error: " + e.getMessage(), true);
        } catch (RuntimeException e) {
            return new Outcome("error: " + t.name() + " failed: " + e.getMessage(), true);
        }
    }

    private String bound(String r) {
        if (r.length() <= maxResultChars) return r;
        return r.substring(0, maxResultChars) + "\n[... " + (r.length() - maxResultChars) + " more characters; narrow the request (line range, limit) to see them]";
    }

    /** Required arguments and simple types, from the schema. */
    static String check(Tool t, JsonNode args) {
        if (!args.isObject()) return "the arguments of " + t.name() + " must be a JSON object";
        JsonNode schema;
        try {
            schema = JSON.readTree(t.parameters());
        } catch (Exception e) {
            return null;
        }
        for (JsonNode req : schema.path("required")) {
            JsonNode v = args.get(req.asText());
            if (v == null || v.isNull()) return t.name() + " needs the argument \"" + req.asText() + "\" (" + schema.path("properties").path(req.asText()).path("description").asText("") + ")";
        }
        var props = schema.path("properties");
        for (var it = args.properties().iterator(); it.hasNext(); ) {
            var e = it.next();
            JsonNode p = props.get(e.getKey());
            if (p == null) continue;
            String type = p.path("type").asText("");
            JsonNode v = e.getValue();
            boolean ok = switch (type) {
                case "string" -> v.isTextual() || v.isNumber() || v.isBoolean();
                case "integer" -> v.isIntegralNumber() || v.isTextual() && v.asText().strip().matches("-?\\d+");
                case "number" -> v.isNumber() || v.isTextual() && v.asText().strip().matches("-?[\\d.]+");
                case "boolean" -> v.isBoolean() || v.isTextual() && v.asText().matches("true|false");
                case "array" -> v.isArray();
                case "object" -> v.isObject();
                default -> true;
            };
            if (!ok) return "argument \"" + e.getKey() + "\" of " + t.name() + " must be " + (type.equals("integer") ? "an integer" : "a " + type);
        }
        return null;
    }
}
