package carto.agents.llm;

import carto.inference.lm.ToolCall;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Tool calling for models without native tool calls: the tools are described in the system
 * prompt and the model answers with {@code <tool_call>{"name": ..., "arguments": {...}}</tool_call>}.
 * The parser forgives what small models do: a missing closing tag, a JSON code fence instead of
 * tags, single quotes, trailing commas, comments, unquoted keys, arguments as a JSON string,
 * {@code tool}/{@code function}/{@code parameters}/{@code args} spellings, a tool name in other
 * case or with dashes. What it cannot read it reports, so the agent can ask again.
 */
public final class TextToolProtocol {
    /** The calls found, the text around them, and what could not be read. */
    public record Parsed(List<ToolCall> calls, String text, List<String> problems) {
        /** The model tried to call a tool but nothing usable came out. */
        public boolean malformed() {
            return calls.isEmpty() && !problems.isEmpty();
        }
    }

    static final ObjectMapper LENIENT = JsonMapper.builder()
            .enable(JsonReadFeature.ALLOW_SINGLE_QUOTES, JsonReadFeature.ALLOW_TRAILING_COMMA, JsonReadFeature.ALLOW_UNQUOTED_FIELD_NAMES,
                    JsonReadFeature.ALLOW_JAVA_COMMENTS, JsonReadFeature.ALLOW_UNESCAPED_CONTROL_CHARS, JsonReadFeature.ALLOW_BACKSLASH_ESCAPING_ANY_CHARACTER,
                    JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS, JsonReadFeature.ALLOW_MISSING_VALUES)
            .build();
    private static final ObjectMapper STRICT = new ObjectMapper();
    private static final Pattern TAG = Pattern.compile("<tool_call>(.*?)(?:</tool_call>|$)", Pattern.DOTALL);
    private static final Pattern FENCE = Pattern.compile("```(?:json|tool_call|tool)?\\s*\\n(.*?)```", Pattern.DOTALL);

    private TextToolProtocol() {}

    /** The system-prompt section that teaches the protocol for these tools. */
    public static String instructions(Collection<Tool> tools) {
        StringBuilder sb = new StringBuilder();
        sb.append("You can call tools. To call one, answer with exactly one block like this and nothing after it:\n")
                .append("<tool_call>{\"name\": \"TOOL_NAME\", \"arguments\": {\"ARG\": \"VALUE\"}}</tool_call>\n")
                .append("The arguments are a JSON object. After each call you get the tool's result and can call another tool. ")
                .append("Call one tool at a time.\n\nTools:\n");
        for (Tool t : tools) {
            sb.append("- ").append(t.name()).append(": ").append(t.description()).append("\n  arguments schema: ").append(compact(t.parameters())).append('\n');
        }
        return sb.toString();
    }

    private static String compact(String json) {
        try {
            return STRICT.writeValueAsString(STRICT.readTree(json));
        } catch (Exception e) {
            return json;
        }
    }

    /** Arguments JSON as models write it (leniently read); empty text is an empty object. */
    public static JsonNode readArguments(String json) {
        try {
            JsonNode n = LENIENT.readTree(json == null || json.isBlank() ? "{}" : json);
            return n == null ? LENIENT.createObjectNode() : n;
        } catch (Exception e) {
            throw new IllegalArgumentException("arguments are not JSON: " + e.getMessage(), e);
        }
    }

    /** Reads the tool calls in a model's answer; tool names are matched to {@code known} forgivingly. */
    public static Parsed parse(String answer, Collection<String> known) {
        List<ToolCall> calls = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        String rest = answer == null ? "" : answer;
        List<String> candidates = new ArrayList<>();
        Matcher m = TAG.matcher(rest);
        StringBuilder outside = new StringBuilder();
        int last = 0;
        while (m.find()) {
            candidates.add(m.group(1));
            outside.append(rest, last, m.start());
            last = m.end();
        }
        outside.append(rest.substring(last));
        if (candidates.isEmpty()) {
            Matcher f = FENCE.matcher(rest);
            outside.setLength(0);
            last = 0;
            while (f.find()) {
                if (looksLikeCall(f.group(1))) {
                    candidates.add(f.group(1));
                    outside.append(rest, last, f.start());
                    last = f.end();
                }
            }
            outside.append(rest.substring(last));
        }
        if (candidates.isEmpty()) {
            String t = rest.strip();
            int brace = t.indexOf('{');
            if (brace >= 0 && looksLikeCall(t.substring(brace))) {
                candidates.add(t.substring(brace));
                outside.setLength(0);
                outside.append(t, 0, brace);
            }
        }
        for (String c : candidates) {
            try {
                calls.add(toCall(c, known, calls.size()));
            } catch (IllegalArgumentException e) {
                problems.add(e.getMessage());
            }
        }
        if (calls.isEmpty() && problems.isEmpty() && rest.contains("<tool_call")) problems.add("a <tool_call> tag without a readable JSON object inside");
        return new Parsed(calls, outside.toString().strip(), problems);
    }

    private static boolean looksLikeCall(String s) {
        return s.contains("\"name\"") || s.contains("'name'") || s.contains("name:") || s.contains("\"tool\"") || s.contains("\"function\"");
    }

    private static ToolCall toCall(String raw, Collection<String> known, int index) {
        String json = firstObject(raw.strip());
        if (json == null) throw new IllegalArgumentException("no JSON object in the tool call: " + abbreviate(raw));
        JsonNode n;
        try {
            n = LENIENT.readTree(json);
        } catch (Exception e) {
            n = null;
            // a common slip: the closing braces are missing
            for (String fix : new String[]{json + "}", json + "}}", json + "\"}}"}) {
                try {
                    n = LENIENT.readTree(fix);
                    break;
                } catch (Exception ignored) {
                    // try the next repair
                }
            }
            if (n == null) throw new IllegalArgumentException("the tool call is not valid JSON (" + e.getMessage().lines().findFirst().orElse("") + "): " + abbreviate(raw));
        }
        if (!n.isObject()) throw new IllegalArgumentException("the tool call must be a JSON object: " + abbreviate(raw));
        JsonNode fn = n.get("function");
        if (fn != null && fn.isObject()) n = fn;
        String name = text(n, "name", "tool", "tool_name", "function");
        if (name == null) throw new IllegalArgumentException("the tool call has no \"name\": " + abbreviate(raw));
        String resolved = resolveName(name, known);
        if (resolved == null) throw new IllegalArgumentException("there is no tool named \"" + name + "\"; the tools are: " + String.join(", ", known));
        JsonNode args = first(n, "arguments", "parameters", "args", "input", "params");
        if (args == null || args.isNull()) {
            // arguments written next to the name
            ObjectNode o = STRICT.createObjectNode();
            n.properties().forEach(e -> {
                if (!List.of("name", "tool", "tool_name", "function", "id").contains(e.getKey())) o.set(e.getKey(), e.getValue());
            });
            args = o;
        } else if (args.isTextual()) {
            try {
                args = LENIENT.readTree(args.asText());
            } catch (Exception e) {
                throw new IllegalArgumentException("the arguments of " + resolved + " are a string that is not a JSON object: " + abbreviate(args.asText()));
            }
        }
        if (!args.isObject()) throw new IllegalArgumentException("the arguments of " + resolved + " must be a JSON object");
        try {
            return new ToolCall("call_" + index, resolved, STRICT.writeValueAsString(args));
        } catch (Exception e) {
            throw new IllegalArgumentException("cannot encode the arguments of " + resolved);
        }
    }

    /** The first balanced {...} in s (respecting strings), or what is there when it never closes. */
    static String firstObject(String s) {
        int start = s.indexOf('{');
        if (start < 0) return null;
        int depth = 0;
        char quote = 0;
        for (int i = start; i < s.length(); i++) {
            char c = s.charAt(i);
            if (quote != 0) {
                if (c == '\\') i++;
                else if (c == quote) quote = 0;
                continue;
            }
            if (c == '"' || c == '\'') quote = c;
            else if (c == '{') depth++;
            else if (c == '}' && --depth == 0) return s.substring(start, i + 1);
        }
        return s.substring(start);
    }

    static String resolveName(String name, Collection<String> known) {
        if (known.contains(name)) return name;
        String norm = normalize(name);
        for (String k : known) if (normalize(k).equals(norm)) return k;
        return null;
    }

    private static String normalize(String s) {
        return s.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]", "");
    }

    private static String text(JsonNode n, String... fields) {
        for (String f : fields) {
            JsonNode v = n.get(f);
            if (v != null && v.isTextual()) return v.asText();
        }
        return null;
    }

    private static JsonNode first(JsonNode n, String... fields) {
        for (String f : fields) if (n.has(f)) return n.get(f);
        return null;
    }

    private static String abbreviate(String s) {
        String t = s.strip();
        return t.length() > 200 ? t.substring(0, 200) + "..." : t;
    }

    static {
        LENIENT.configure(JsonParser.Feature.AUTO_CLOSE_SOURCE, true);
    }
}
