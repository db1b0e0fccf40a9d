package carto.inference.lm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.function.Function;

/**
 * A loopback HTTP server that speaks the OpenAI wire protocol (JSON bodies and SSE streams),
 * answering from a script, so the remote client is tested over real HTTP without a network.
 */
public final class FakeOpenAiServer implements AutoCloseable {
    /** One scripted answer: status, headers and body, or a list of SSE data events. */
    public record Reply(int status, String contentType, String body, List<String> events, String retryAfter) {
        public static Reply json(String body) { return new Reply(200, "application/json", body, null, null); }
        public static Reply sse(List<String> events) { return new Reply(200, "text/event-stream", null, events, null); }
        public static Reply status(int status, String body) { return new Reply(status, "application/json", body, null, null); }
    }

    /** A received request. */
    public record Received(String method, String path, String authorization, String accept, JsonNode body) {}

    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpServer server;
    private final Deque<Reply> script = new ArrayDeque<>();
    private Function<Received, Reply> fallback;
    public final List<Received> received = new ArrayList<>();

    public FakeOpenAiServer() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", this::handle);
        server.start();
    }

    public String baseUrl() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/v1";
    }

    public synchronized FakeOpenAiServer then(Reply r) {
        script.add(r);
        return this;
    }

    /** Answers every request the script does not cover. */
    public synchronized FakeOpenAiServer otherwise(Function<Received, Reply> f) {
        fallback = f;
        return this;
    }

    private void handle(HttpExchange ex) throws IOException {
        byte[] in = ex.getRequestBody().readAllBytes();
        JsonNode body = in.length == 0 ? null : JSON.readTree(in);
        Received r = new Received(ex.getRequestMethod(), ex.getRequestURI().getPath(), ex.getRequestHeaders().getFirst("Authorization"),
                ex.getRequestHeaders().getFirst("Accept"), body);
        Reply reply;
        synchronized (this) {
            received.add(r);
            reply = !script.isEmpty() ? script.poll() : fallback != null ? fallback.apply(r) : Reply.status(500, "{\"error\":\"no scripted reply\"}");
        }
        ex.getResponseHeaders().add("Content-Type", reply.contentType());
        if (reply.retryAfter() != null) ex.getResponseHeaders().add("Retry-After", reply.retryAfter());
        if (reply.events() != null) {
            ex.sendResponseHeaders(reply.status(), 0);
            try (OutputStream out = ex.getResponseBody()) {
                for (String e : reply.events()) {
                    out.write(("data: " + e + "\n\n").getBytes(StandardCharsets.UTF_8));
                    out.flush();
                }
                out.write("data: [DONE]\n\n".getBytes(StandardCharsets.UTF_8));
            }
        } else {
            byte[] b = reply.body().getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders(reply.status(), b.length);
            try (OutputStream out = ex.getResponseBody()) {
                out.write(b);
            }
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
