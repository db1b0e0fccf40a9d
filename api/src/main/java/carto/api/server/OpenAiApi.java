package carto.api.server;

import carto.api.Json;
import carto.inference.lm.CancelToken;
import carto.inference.lm.ChatMessage;
import carto.inference.lm.Completion;
import carto.inference.lm.FimRequest;
import carto.inference.lm.GenerationOptions;
import carto.inference.lm.LanguageModel;
import carto.inference.lm.TokenSink;
import carto.inference.lm.ToolCall;
import carto.inference.lm.ToolSpec;
import carto.inference.sample.SamplingParams;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.http.Context;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.function.Supplier;

/**
 * The loaded model as an OpenAI-compatible API ({@code /v1/models}, {@code /v1/completions} with
 * FIM through {@code suffix}, {@code /v1/chat/completions} with tools), streaming over SSE when
 * the request asks for {@code "stream": true}, so editors and other tools can use Carto's model.
 */
public final class OpenAiApi {
    private final Supplier<LanguageModel> model;

    public OpenAiApi(Supplier<LanguageModel> model) {
        this.model = model;
    }

    public void register(ApiRoutes r) {
        r.tag("models");
        r.get("/v1/models", "The loaded model (OpenAI-compatible).", this::models);
        r.postStream("/v1/completions", "Text completion; with suffix, fill-in-the-middle (OpenAI-compatible; stream: true streams).",
                ApiRoutes.object("model:string", "prompt:string!", "suffix:string", "max_tokens:integer", "temperature:number", "top_p:number",
                        "top_k:integer", "min_p:number", "seed:integer", "stop:string[]", "stream:boolean"), ctx -> generate(ctx, false));
        r.postStream("/v1/chat/completions", "Chat completion with tools (OpenAI-compatible; stream: true streams).",
                ApiRoutes.object("model:string", "messages:object[]!", "tools:object[]", "max_tokens:integer", "temperature:number", "top_p:number",
                        "seed:integer", "stop:string[]", "stream:boolean"), ctx -> generate(ctx, true));
    }

    private LanguageModel requireModel() {
        LanguageModel m = model.get();
        if (m == null) {
            throw new ApiError(503, "model_not_loaded", "no model is loaded; start carto serve with --model FILE.gguf or --remote-url URL --remote-model NAME", null);
        }
        return m;
    }

    private void models(Context ctx) {
        ObjectNode root = Json.MAPPER.createObjectNode();
        root.put("object", "list");
        ArrayNode data = root.putArray("data");
        LanguageModel m = model.get();
        if (m != null) {
            ObjectNode n = data.addObject();
            n.put("id", m.name());
            n.put("object", "model");
            n.put("owned_by", "carto");
            n.put("context_length", m.contextLength());
            n.put("fim", m.supportsFim());
        }
        ctx.json(root);
    }

    static JsonNode body(Context ctx) {
        try {
            JsonNode n = Json.MAPPER.readTree(ctx.body());
            if (n == null || !n.isObject()) throw ApiError.badRequest("the request body must be a JSON object", null);
            return n;
        } catch (IOException e) {
            throw ApiError.badRequest("the request body is not valid JSON: " + e.getMessage().lines().findFirst().orElse(""), null);
        }
    }

    static GenerationOptions options(JsonNode b) {
        return options(b, 256, 1.0);
    }

    /** Generation options of a request, with the defaults of the endpoint for what it leaves out. */
    static GenerationOptions options(JsonNode b, int defaultMaxTokens, double defaultTemperature) {
        int max = b.has("max_completion_tokens") ? b.get("max_completion_tokens").asInt() : b.path("max_tokens").asInt(defaultMaxTokens);
        if (max < 1) throw ApiError.badRequest("max_tokens must be at least 1", "max_tokens");
        if (b.path("n").asInt(1) != 1) throw ApiError.badRequest("only n = 1 is supported", "n");
        List<String> stop = new ArrayList<>();
        JsonNode s = b.get("stop");
        if (s != null && s.isTextual()) stop.add(s.asText());
        else if (s != null && s.isArray()) s.forEach(x -> stop.add(x.asText()));
        else if (s != null && !s.isNull()) throw ApiError.badRequest("stop must be a string or an array of strings", "stop");
        stop.removeIf(String::isEmpty);
        try {
            SamplingParams p = new SamplingParams(b.path("temperature").asDouble(defaultTemperature), b.path("top_k").asInt(0), b.path("top_p").asDouble(1.0),
                    b.path("min_p").asDouble(0.0), b.path("repeat_penalty").asDouble(1.0), 64,
                    b.has("seed") ? b.get("seed").asLong() : new java.util.SplittableRandom().nextLong());
            return new GenerationOptions(max, p, stop);
        } catch (IllegalArgumentException e) {
            throw ApiError.badRequest(e.getMessage(), null);
        }
    }

    private void generate(Context ctx, boolean chat) throws IOException {
        JsonNode b = body(ctx);
        GenerationOptions o = options(b);
        LanguageModel m = requireModel();
        boolean stream = b.path("stream").asBoolean(false);
        boolean usageChunk = b.path("stream_options").path("include_usage").asBoolean(false);
        String id = (chat ? "chatcmpl-" : "cmpl-") + UUID.randomUUID().toString().replace("-", "").substring(0, 24);
        long created = System.currentTimeMillis() / 1000;
        List<ChatMessage> messages = chat ? messages(b) : null;
        List<ToolSpec> tools = chat ? tools(b) : List.of();
        String prompt = chat ? null : prompt(b);
        String suffix = !chat && b.hasNonNull("suffix") ? b.get("suffix").asText() : null;
        CancelToken cancel = new CancelToken();
        if (!stream) {
            Completion c = run(m, chat, messages, tools, prompt, suffix, o, TokenSink.NONE, cancel);
            ctx.json(response(id, created, m.name(), chat, c));
            return;
        }
        ctx.status(200);
        ctx.contentType("text/event-stream");
        ctx.header("Cache-Control", "no-cache");
        ctx.header("X-Accel-Buffering", "no");
        OutputStream out = ctx.outputStream();
        if (chat) {
            ObjectNode first = chunk(id, created, m.name(), true);
            first.withArray("choices").addObject().put("index", 0).putObject("delta").put("role", "assistant").put("content", "");
            send(out, first, cancel);
        }
        TokenSink sink = text -> {
            ObjectNode ch = chunk(id, created, m.name(), chat);
            ObjectNode choice = ch.withArray("choices").addObject();
            choice.put("index", 0);
            if (chat) choice.putObject("delta").put("content", text);
            else choice.put("text", text);
            choice.putNull("finish_reason");
            send(out, ch, cancel);
        };
        Completion c = run(m, chat, messages, tools, prompt, suffix, o, sink, cancel);
        if (cancel.isCancelled()) return; // the client went away
        ObjectNode last = chunk(id, created, m.name(), chat);
        ObjectNode choice = last.withArray("choices").addObject();
        choice.put("index", 0);
        if (chat) {
            ObjectNode delta = choice.putObject("delta");
            if (!c.toolCalls().isEmpty()) toolCalls(delta, c.toolCalls(), true);
        } else {
            choice.put("text", "");
        }
        choice.put("finish_reason", c.finishReason().wireName());
        send(out, last, cancel);
        if (usageChunk) {
            ObjectNode u = chunk(id, created, m.name(), chat);
            u.putArray("choices");
            usage(u, c);
            send(out, u, cancel);
        }
        out.write("data: [DONE]\n\n".getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    private static Completion run(LanguageModel m, boolean chat, List<ChatMessage> messages, List<ToolSpec> tools, String prompt, String suffix,
                                  GenerationOptions o, TokenSink sink, CancelToken cancel) {
        if (chat) return m.chat(messages, tools, o, sink, cancel);
        if (suffix != null) return m.fillInMiddle(FimRequest.of(prompt, suffix), o, sink, cancel);
        return m.complete(prompt, o, sink, cancel);
    }

    private static void send(OutputStream out, ObjectNode event, CancelToken cancel) {
        if (cancel.isCancelled()) return;
        try {
            out.write(("data: " + Json.compact(event) + "\n\n").getBytes(StandardCharsets.UTF_8));
            out.flush();
        } catch (IOException e) {
            cancel.cancel(); // the client disconnected: stop generating
        }
    }

    private static ObjectNode chunk(String id, long created, String model, boolean chat) {
        ObjectNode n = Json.MAPPER.createObjectNode();
        n.put("id", id);
        n.put("object", chat ? "chat.completion.chunk" : "text_completion");
        n.put("created", created);
        n.put("model", model);
        return n;
    }

    static String prompt(JsonNode b) {
        JsonNode p = b.get("prompt");
        if (p == null || p.isNull()) throw ApiError.badRequest("'prompt' is required", "prompt");
        if (p.isTextual()) return p.asText();
        if (p.isArray() && p.size() == 1 && p.get(0).isTextual()) return p.get(0).asText();
        throw ApiError.badRequest("'prompt' must be a string (one prompt per request)", "prompt");
    }

    static List<ChatMessage> messages(JsonNode b) {
        JsonNode ms = b.get("messages");
        if (ms == null || !ms.isArray() || ms.isEmpty()) throw ApiError.badRequest("'messages' must be a non-empty array", "messages");
        List<ChatMessage> out = new ArrayList<>();
        for (JsonNode m : ms) {
            String role = m.path("role").asText("");
            ChatMessage.Role r;
            try {
                r = ChatMessage.Role.valueOf(role.toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw ApiError.badRequest("unknown message role '" + role + "' (system, user, assistant, tool)", "messages");
            }
            String content = contentText(m.get("content"));
            List<ToolCall> calls = new ArrayList<>();
            for (JsonNode c : m.path("tool_calls")) {
                calls.add(new ToolCall(c.path("id").asText(), c.path("function").path("name").asText(), c.path("function").path("arguments").asText("{}")));
            }
            out.add(new ChatMessage(r, content, calls, m.hasNonNull("tool_call_id") ? m.get("tool_call_id").asText() : null));
        }
        return out;
    }

    /** Message content: a string, or an array of parts whose text parts are joined. */
    private static String contentText(JsonNode c) {
        if (c == null || c.isNull()) return "";
        if (c.isTextual()) return c.asText();
        if (c.isArray()) {
            StringBuilder sb = new StringBuilder();
            for (JsonNode part : c) if ("text".equals(part.path("type").asText())) sb.append(part.path("text").asText());
            return sb.toString();
        }
        throw ApiError.badRequest("message content must be a string or an array of parts", "messages");
    }

    static List<ToolSpec> tools(JsonNode b) {
        List<ToolSpec> out = new ArrayList<>();
        for (JsonNode t : b.path("tools")) {
            JsonNode fn = t.path("function");
            if (!fn.hasNonNull("name")) throw ApiError.badRequest("every tool needs function.name", "tools");
            out.add(new ToolSpec(fn.get("name").asText(), fn.path("description").asText(""), fn.has("parameters") ? fn.get("parameters").toString() : "{\"type\":\"object\"}"));
        }
        return out;
    }

    private static ObjectNode response(String id, long created, String model, boolean chat, Completion c) {
        ObjectNode r = Json.MAPPER.createObjectNode();
        r.put("id", id);
        r.put("object", chat ? "chat.completion" : "text_completion");
        r.put("created", created);
        r.put("model", model);
        ObjectNode choice = r.putArray("choices").addObject();
        choice.put("index", 0);
        if (chat) {
            ObjectNode msg = choice.putObject("message");
            msg.put("role", "assistant");
            msg.put("content", c.text());
            if (!c.toolCalls().isEmpty()) toolCalls(msg, c.toolCalls(), false);
        } else {
            choice.put("text", c.text());
            choice.putNull("logprobs");
        }
        choice.put("finish_reason", c.finishReason().wireName());
        usage(r, c);
        return r;
    }

    private static void toolCalls(ObjectNode target, List<ToolCall> calls, boolean indexed) {
        ArrayNode arr = target.putArray("tool_calls");
        int i = 0;
        for (ToolCall tc : calls) {
            ObjectNode n = arr.addObject();
            if (indexed) n.put("index", i++);
            n.put("id", tc.id());
            n.put("type", "function");
            ObjectNode fn = n.putObject("function");
            fn.put("name", tc.name());
            fn.put("arguments", tc.argumentsJson());
        }
    }

    private static void usage(ObjectNode r, Completion c) {
        ObjectNode u = r.putObject("usage");
        u.put("prompt_tokens", c.promptTokens());
        u.put("completion_tokens", c.completionTokens());
        u.put("total_tokens", c.promptTokens() + c.completionTokens());
    }
}
