package carto.inference.lm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * {@link LanguageModel} over an OpenAI-compatible HTTP API (OpenAI, DeepSeek, vLLM, llama.cpp
 * server, Ollama): {@code /v1/chat/completions} with native tool calls, {@code /v1/completions}
 * (also for FIM through its {@code suffix} field), SSE streaming, bearer API key, timeouts, and
 * retries with backoff on connection failures, 429 and 5xx before any text was streamed.
 */
public final class OpenAiCompatibleModel implements LanguageModel {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Where and how to call the server; {@code baseUrl} is e.g. {@code http://localhost:8080/v1}. */
    public record Config(URI baseUrl, String apiKey, String model, Duration timeout, int maxRetries, int contextLength, boolean fim) {
        public Config {
            String s = baseUrl.toString().replaceAll("/+$", "");
            if (!s.endsWith("/v1")) s = s + "/v1";
            baseUrl = URI.create(s);
            if (model == null || model.isBlank()) throw new IllegalArgumentException("a remote model needs a model name (--remote-model)");
            timeout = timeout == null ? Duration.ofSeconds(120) : timeout;
        }

        public static Config of(String baseUrl, String apiKey, String model) {
            return new Config(URI.create(baseUrl), apiKey, model, Duration.ofSeconds(120), 3, 32768, true);
        }
    }

    private final Config config;
    private final HttpClient http;
    private final Duration initialBackoff;

    public OpenAiCompatibleModel(Config config) {
        this(config, Duration.ofMillis(500));
    }

    OpenAiCompatibleModel(Config config, Duration initialBackoff) {
        this.config = config;
        this.initialBackoff = initialBackoff;
        this.http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(10)).build();
    }

    @Override
    public String name() {
        return config.model() + " @ " + config.baseUrl();
    }

    @Override
    public int contextLength() {
        return config.contextLength();
    }

    /** Remote tokenizers are unknown; four characters per token is the usual estimate. */
    @Override
    public int countTokens(String text) {
        return (text.length() + 3) / 4;
    }

    @Override
    public boolean supportsFim() {
        return config.fim();
    }

    @Override
    public boolean supportsNativeTools() {
        return true;
    }

    @Override
    public Completion complete(String prompt, GenerationOptions options, TokenSink sink, CancelToken cancel) {
        ObjectNode body = base(options);
        body.put("prompt", prompt);
        return call("/completions", body, sink, cancel, false);
    }

    @Override
    public Completion fillInMiddle(FimRequest r, GenerationOptions options, TokenSink sink, CancelToken cancel) {
        if (!config.fim()) throw new ModelException("remote model " + name() + " is configured without fill-in-the-middle support");
        ObjectNode body = base(options);
        StringBuilder prefix = new StringBuilder();
        for (FimRequest.ContextFile f : r.context()) prefix.append("// File: ").append(f.path()).append('\n').append(f.content()).append('\n');
        prefix.append(r.prefix());
        body.put("prompt", prefix.toString());
        body.put("suffix", r.suffix());
        return call("/completions", body, sink, cancel, false);
    }

    @Override
    public Completion chat(List<ChatMessage> messages, List<ToolSpec> tools, GenerationOptions options, TokenSink sink, CancelToken cancel) {
        ObjectNode body = base(options);
        ArrayNode msgs = body.putArray("messages");
        for (ChatMessage m : messages) {
            ObjectNode n = msgs.addObject();
            n.put("role", m.role().name().toLowerCase());
            n.put("content", m.content());
            if (m.toolCallId() != null) n.put("tool_call_id", m.toolCallId());
            if (!m.toolCalls().isEmpty()) {
                ArrayNode calls = n.putArray("tool_calls");
                for (ToolCall c : m.toolCalls()) {
                    ObjectNode cn = calls.addObject();
                    cn.put("id", c.id());
                    cn.put("type", "function");
                    ObjectNode fn = cn.putObject("function");
                    fn.put("name", c.name());
                    fn.put("arguments", c.argumentsJson());
                }
            }
        }
        if (tools != null && !tools.isEmpty()) {
            ArrayNode ts = body.putArray("tools");
            for (ToolSpec t : tools) {
                ObjectNode tn = ts.addObject();
                tn.put("type", "function");
                ObjectNode fn = tn.putObject("function");
                fn.put("name", t.name());
                fn.put("description", t.description());
                try {
                    fn.set("parameters", JSON.readTree(t.parametersJsonSchema()));
                } catch (IOException e) {
                    throw new IllegalArgumentException("tool '" + t.name() + "' has an invalid JSON schema: " + e.getMessage(), e);
                }
            }
        }
        return call("/chat/completions", body, sink, cancel, true);
    }

    private ObjectNode base(GenerationOptions o) {
        ObjectNode body = JSON.createObjectNode();
        body.put("model", config.model());
        body.put("max_tokens", o.maxTokens());
        body.put("temperature", o.sampling().temperature());
        if (!o.sampling().greedy()) {
            body.put("top_p", o.sampling().topP());
            if (o.sampling().topK() > 0) body.put("top_k", o.sampling().topK());
            if (o.sampling().minP() > 0) body.put("min_p", o.sampling().minP());
        }
        if (o.sampling().repeatPenalty() != 1.0) body.put("repeat_penalty", o.sampling().repeatPenalty());
        body.put("seed", o.sampling().seed());
        if (!o.stop().isEmpty()) {
            ArrayNode stop = body.putArray("stop");
            o.stop().forEach(stop::add);
        }
        return body;
    }

    private Completion call(String path, ObjectNode body, TokenSink sink, CancelToken cancel, boolean chat) {
        boolean stream = sink != null && sink != TokenSink.NONE;
        body.put("stream", stream);
        if (stream) body.putObject("stream_options").put("include_usage", true);
        URI uri = URI.create(config.baseUrl() + path);
        HttpRequest.Builder rb = HttpRequest.newBuilder(uri).timeout(config.timeout())
                .header("Content-Type", "application/json")
                .header("Accept", stream ? "text/event-stream" : "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body.toString()));
        if (config.apiKey() != null && !config.apiKey().isBlank()) rb.header("Authorization", "Bearer " + config.apiKey());
        HttpRequest request = rb.build();
        long start = System.nanoTime();
        Duration backoff = initialBackoff;
        for (int attempt = 0; ; attempt++) {
            if (cancel != null && cancel.isCancelled()) {
                return new Completion("", FinishReason.CANCELLED, 0, 0, Duration.ofNanos(System.nanoTime() - start), List.of());
            }
            HttpResponse<InputStream> resp;
            try {
                resp = http.send(request, HttpResponse.BodyHandlers.ofInputStream());
            } catch (ConnectException | HttpTimeoutException e) {
                if (attempt < config.maxRetries()) {
                    sleep(backoff);
                    backoff = backoff.multipliedBy(2);
                    continue;
                }
                throw new ModelException("cannot reach " + uri + " after " + (attempt + 1) + " attempts (" + describe(e)
                        + "); is the server running and is --remote-url right?", e);
            } catch (IOException e) {
                if (attempt < config.maxRetries()) {
                    sleep(backoff);
                    backoff = backoff.multipliedBy(2);
                    continue;
                }
                throw new ModelException("request to " + uri + " failed: " + describe(e), e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new ModelException("interrupted while calling " + uri, e);
            }
            int status = resp.statusCode();
            if (status == 429 || status >= 500) {
                String err = readAll(resp.body());
                if (attempt < config.maxRetries()) {
                    Duration wait = resp.headers().firstValue("Retry-After").map(OpenAiCompatibleModel::parseRetryAfter).orElse(backoff);
                    sleep(wait);
                    backoff = backoff.multipliedBy(2);
                    continue;
                }
                throw new ModelException("server " + uri + " answered HTTP " + status + " after " + (attempt + 1) + " attempts: " + abbreviate(err));
            }
            if (status == 401 || status == 403) {
                throw new ModelException("server " + uri + " refused the request (HTTP " + status + "): check the API key (--api-key or CARTO_API_KEY). "
                        + abbreviate(readAll(resp.body())));
            }
            if (status != 200) {
                throw new ModelException("server " + uri + " answered HTTP " + status + ": " + abbreviate(readAll(resp.body())));
            }
            try {
                return stream ? readStream(resp.body(), sink, cancel, chat, start) : readWhole(resp.body(), chat, start);
            } catch (IOException e) {
                throw new ModelException("reading the answer of " + uri + " failed: " + describe(e), e);
            }
        }
    }

    private Completion readWhole(InputStream in, boolean chat, long start) throws IOException {
        JsonNode root;
        try (in) {
            root = JSON.readTree(in);
        } catch (IOException e) {
            throw new ModelException("the server's answer is not JSON: " + e.getMessage(), e);
        }
        JsonNode choice = root.path("choices").path(0);
        if (choice.isMissingNode()) throw new ModelException("the server's answer has no choices: " + abbreviate(root.toString()));
        String text = chat ? choice.path("message").path("content").asText("") : choice.path("text").asText("");
        List<ToolCall> calls = new ArrayList<>();
        for (JsonNode c : choice.path("message").path("tool_calls")) {
            calls.add(new ToolCall(c.path("id").asText("call_" + calls.size()), c.path("function").path("name").asText(),
                    c.path("function").path("arguments").asText("{}")));
        }
        JsonNode usage = root.path("usage");
        return new Completion(text, finish(choice.path("finish_reason").asText(null), calls),
                usage.path("prompt_tokens").asInt(0), usage.path("completion_tokens").asInt(0),
                Duration.ofNanos(System.nanoTime() - start), calls);
    }

    private Completion readStream(InputStream in, TokenSink sink, CancelToken cancel, boolean chat, long start) throws IOException {
        StringBuilder text = new StringBuilder();
        Map<Integer, String[]> calls = new TreeMap<>(); // index -> {id, name, arguments}
        String finish = null;
        int promptTokens = 0, completionTokens = 0, chunks = 0;
        try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                if (cancel != null && cancel.isCancelled()) {
                    return new Completion(text.toString(), FinishReason.CANCELLED, promptTokens, chunks,
                            Duration.ofNanos(System.nanoTime() - start), List.of());
                }
                if (!line.startsWith("data:")) continue;
                String data = line.substring(5).strip();
                if (data.equals("[DONE]")) break;
                JsonNode ev;
                try {
                    ev = JSON.readTree(data);
                } catch (IOException e) {
                    throw new ModelException("malformed stream event from the server: " + abbreviate(data), e);
                }
                if (ev.has("error")) throw new ModelException("the server reported an error mid-stream: " + abbreviate(ev.get("error").toString()));
                JsonNode usage = ev.path("usage");
                if (usage.isObject()) {
                    promptTokens = usage.path("prompt_tokens").asInt(promptTokens);
                    completionTokens = usage.path("completion_tokens").asInt(completionTokens);
                }
                JsonNode choice = ev.path("choices").path(0);
                if (choice.isMissingNode()) continue;
                String piece = chat ? choice.path("delta").path("content").asText("") : choice.path("text").asText("");
                if (!piece.isEmpty()) {
                    text.append(piece);
                    sink.accept(piece);
                    chunks++;
                }
                for (JsonNode tc : choice.path("delta").path("tool_calls")) {
                    String[] c = calls.computeIfAbsent(tc.path("index").asInt(calls.size()), k -> new String[]{null, "", ""});
                    if (tc.hasNonNull("id")) c[0] = tc.get("id").asText();
                    JsonNode fn = tc.path("function");
                    if (fn.hasNonNull("name")) c[1] += fn.get("name").asText();
                    if (fn.hasNonNull("arguments")) c[2] += fn.get("arguments").asText();
                }
                if (choice.hasNonNull("finish_reason")) finish = choice.get("finish_reason").asText();
            }
        }
        List<ToolCall> toolCalls = new ArrayList<>();
        calls.forEach((i, c) -> toolCalls.add(new ToolCall(c[0] != null ? c[0] : "call_" + i, c[1], c[2].isEmpty() ? "{}" : c[2])));
        return new Completion(text.toString(), finish(finish, toolCalls), promptTokens, completionTokens > 0 ? completionTokens : chunks,
                Duration.ofNanos(System.nanoTime() - start), toolCalls);
    }

    private static FinishReason finish(String wire, List<ToolCall> calls) {
        if (!calls.isEmpty() || "tool_calls".equals(wire)) return FinishReason.TOOL_CALLS;
        return "length".equals(wire) ? FinishReason.LENGTH : FinishReason.STOP;
    }

    private static Duration parseRetryAfter(String v) {
        try {
            return Duration.ofSeconds(Math.min(60, Long.parseLong(v.strip())));
        } catch (NumberFormatException e) {
            return Duration.ofSeconds(1);
        }
    }

    private static void sleep(Duration d) {
        try {
            Thread.sleep(d);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ModelException("interrupted while waiting to retry", e);
        }
    }

    private static String readAll(InputStream in) {
        try (in) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }

    private static String describe(Exception e) {
        return e.getClass().getSimpleName() + (e.getMessage() != null ? ": " + e.getMessage() : "");
    }

    private static String abbreviate(String s) {
        s = s.replaceAll("\\s+", " ").strip();
        return s.length() > 400 ? s.substring(0, 400) + "..." : s;
    }

    @Override
    public void close() {
        http.close();
    }
}
