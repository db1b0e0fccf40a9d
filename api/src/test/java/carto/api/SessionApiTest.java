package carto.api;

import carto.api.server.CartoServer;
import carto.graph.KnowledgeGraph;
import carto.graph.TestGraph;
import carto.inference.kv.KvCache;
import carto.inference.lm.LocalLanguageModel;
import carto.ingest.IngestListener;
import carto.ingest.IngestOptions;
import carto.ingest.Ingestor;
import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Completion sessions over real HTTP, with a real ingested repository for graph context. */
class SessionApiTest {
    @TempDir
    static Path tmp;
    static LocalLanguageModel model;
    static KnowledgeGraph kg;
    static CartoServer server;
    static String base;
    static final HttpClient http = HttpClient.newHttpClient();
    static final String GEOMETRY = """
            import math


            def area(radius):
                return math.pi * radius * radius


            class Circle:
                def __init__(self, radius):
                    self.radius = radius

                def area(self):
                    return area(self.radius)
            """;
    static final String MAIN = """
            from geometry import Circle, area


            def total(circles):
                s = 0
                for c in circles:
                    s += c.area()
                return s
            """;

    @BeforeAll
    static void start() throws Exception {
        model = LocalLanguageModel.load(carto.inference.Fixtures.fixture("models/synthetic-qwen2-fim-e256-q8_0.gguf"), 2, 2048);
        Path repo = tmp.resolve("shapes");
        Files.createDirectories(repo);
        Files.writeString(repo.resolve("geometry.py"), GEOMETRY);
        Files.writeString(repo.resolve("main.py"), MAIN);
        kg = KnowledgeGraph.open(new KnowledgeGraph.Config(tmp.resolve("data"), TestGraph.server().boltUri(), null, null, null, false));
        new Ingestor(kg.graph(), kg.index()).ingest(repo, IngestOptions.defaults().withRepoId("shapes-api"), IngestListener.NONE);
        // room for three 1024-token sessions
        long memory = KvCache.bytesFor(model.model().config(), 1024) * 3;
        server = new CartoServer(kg, model, "127.0.0.1", 0, memory).start();
        base = "http://127.0.0.1:" + server.port();
    }

    @AfterAll
    static void stop() {
        if (server != null) server.close();
        if (kg != null) kg.close();
        if (model != null) model.close();
    }

    static HttpResponse<String> send(String method, String path, String json, String accept) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).header("Content-Type", "application/json")
                .method(method, json == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(json));
        if (accept != null) b.header("Accept", accept);
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    static JsonNode ok(HttpResponse<String> r, int status) throws Exception {
        assertEquals(status, r.statusCode(), r.body());
        return r.body().isEmpty() ? null : Json.MAPPER.readTree(r.body());
    }

    static String open(String text, int cursor) throws Exception {
        return ok(send("POST", "/v1/sessions", Json.write(java.util.Map.of("text", text, "cursor", cursor, "path", "scratch.py", "context_length", 1024)),
                null), 201).get("id").asText();
    }

    @Test
    void openEditCompleteStreamAndClose() throws Exception {
        String id = open(MAIN, MAIN.indexOf("s += "));
        // an offset edit, then an LSP range edit (line 4 is "    s = 0"), applied in order
        JsonNode e = ok(send("PATCH", "/v1/sessions/" + id, """
                {"edits": [{"start": 0, "end": 0, "text": "# totals\\n"},
                           {"range": {"start": {"line": 5, "character": 8}, "end": {"line": 5, "character": 9}}, "text": "0.0"}]}""", null), 200);
        assertEquals(MAIN.length() + 9 + 2, e.get("documentLength").asInt());
        assertEquals("pie", e.at("/update/mode").asText());
        assertTrue(e.at("/update/tokens_encoded").asInt() < 10, e.toString());
        JsonNode c = ok(send("POST", "/v1/sessions/" + id + "/complete", "{\"position\": {\"line\": 7, \"character\": 8}, \"max_tokens\": 6}", null), 200);
        assertTrue(c.has("text") && c.get("generated_tokens").asInt() <= 6, c.toString());
        assertTrue(List.of("stop", "length").contains(c.get("finish_reason").asText()));
        assertTrue(c.at("/timings/first_token_ms").asDouble() > 0);
        // the same request as a stream: deltas add up to the final text, which equals the JSON answer (greedy)
        HttpResponse<String> s = send("POST", "/v1/sessions/" + id + "/complete", "{\"position\": {\"line\": 7, \"character\": 8}, \"max_tokens\": 6}",
                "text/event-stream");
        assertEquals(200, s.statusCode());
        assertTrue(s.headers().firstValue("Content-Type").orElse("").startsWith("text/event-stream"));
        StringBuilder deltas = new StringBuilder();
        JsonNode done = null;
        String event = null;
        for (String line : s.body().split("\n")) {
            if (line.startsWith("event: ")) event = line.substring(7);
            if (!line.startsWith("data: ")) continue;
            JsonNode d = Json.MAPPER.readTree(line.substring(6));
            if ("delta".equals(event)) deltas.append(d.get("text").asText());
            if ("done".equals(event)) done = d;
        }
        assertTrue(done != null, s.body());
        assertEquals(c.get("text").asText(), done.get("text").asText());
        assertEquals(done.get("text").asText(), deltas.toString());
        JsonNode info = ok(send("GET", "/v1/sessions/" + id, null, null), 200);
        assertEquals(MAIN.indexOf("s += ") + 9 + 2, info.get("cursor").asInt());
        ok(send("DELETE", "/v1/sessions/" + id, null, null), 204);
        JsonNode gone = ok(send("GET", "/v1/sessions/" + id, null, null), 410);
        assertEquals("session_gone", gone.at("/error/type").asText());
    }

    @Test
    void aRepositoryFileOpensFromTheGraphWithContext() throws Exception {
        JsonNode o = ok(send("POST", "/v1/sessions", """
                {"repo": "shapes-api", "path": "main.py", "cursor": %d, "context_length": 1024}""".formatted(MAIN.indexOf("c.area()") + 2), null), 201);
        assertEquals(MAIN.length(), o.get("documentLength").asInt());
        assertTrue(o.get("contextFiles").asInt() >= 1, "geometry.py's definitions are context: " + o);
        String id = o.get("id").asText();
        JsonNode c = ok(send("POST", "/v1/sessions/" + id + "/complete", "{\"max_tokens\": 4}", null), 200);
        assertTrue(c.get("context_files").asInt() >= 1, c.toString());
        ok(send("DELETE", "/v1/sessions/" + id, null, null), 204);
    }

    @Test
    void badRequestsGetClearErrors() throws Exception {
        assertEquals("invalid_request_error", ok(send("POST", "/v1/sessions", "{not json", null), 400).at("/error/type").asText());
        assertTrue(ok(send("POST", "/v1/sessions", "{\"cursor\": 1}", null), 400).at("/error/message").asText().contains("'text'"));
        assertTrue(ok(send("POST", "/v1/sessions", "{\"text\": \"x\", \"mode\": \"fast\"}", null), 400).at("/error/message").asText().contains("pie, exact or splice"));
        assertTrue(ok(send("POST", "/v1/sessions", "{\"text\": \"x\", \"cursor\": 5}", null), 400).at("/error/message").asText().contains("outside"));
        assertEquals("model_not_found", ok(send("POST", "/v1/sessions", "{\"text\": \"x\", \"model\": \"gpt-9\"}", null), 404).at("/error/type").asText());
        assertEquals("repository_not_found", ok(send("POST", "/v1/sessions", "{\"repo\": \"nope\", \"path\": \"a.py\"}", null), 404).at("/error/type").asText());
        assertEquals("session_not_found", ok(send("PATCH", "/v1/sessions/sess-missing", "{\"edits\": []}", null), 404).at("/error/type").asText());
        String id = open("abc\ndef\n", 2);
        JsonNode range = ok(send("PATCH", "/v1/sessions/" + id, "{\"edits\": [{\"start\": 2, \"end\": 99, \"text\": \"x\"}]}", null), 400);
        assertTrue(range.at("/error/message").asText().contains("outside the document"), range.toString());
        JsonNode line = ok(send("PATCH", "/v1/sessions/" + id, "{\"edits\": [{\"range\": {\"start\": {\"line\": 9, \"character\": 0}, "
                + "\"end\": {\"line\": 9, \"character\": 0}}, \"text\": \"x\"}]}", null), 400);
        assertTrue(line.at("/error/message").asText().contains("past the end"), line.toString());
        assertTrue(ok(send("PATCH", "/v1/sessions/" + id, "{\"edits\": \"no\"}", null), 400).at("/error/message").asText().contains("'edits'"));
        // nothing of the failed requests reached the document
        JsonNode info = ok(send("GET", "/v1/sessions/" + id, null, null), 200);
        assertEquals(8, info.get("documentLength").asInt());
        ok(send("DELETE", "/v1/sessions/" + id, null, null), 204);
    }

    @Test
    void theLeastRecentlyUsedSessionIsEvictedWhenMemoryRunsOut() throws Exception {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 4; i++) ids.add(open("x = " + i + "\n", 0));
        JsonNode gone = ok(send("POST", "/v1/sessions/" + ids.getFirst() + "/complete", "{}", null), 410);
        assertTrue(gone.at("/error/message").asText().contains("evicted"), gone.toString());
        JsonNode list = ok(send("GET", "/v1/sessions", null, null), 200);
        assertTrue(list.get("cache_bytes_used").asLong() <= list.get("cache_bytes_limit").asLong());
        for (String id : ids.subList(1, 4)) {
            assertFalse(send("DELETE", "/v1/sessions/" + id, null, null).statusCode() >= 500);
        }
    }

    @Test
    void withoutALocalModelSessionsSayWhatIsNeeded() throws Exception {
        try (CartoServer bare = new CartoServer(null, null, "127.0.0.1", 0).start()) {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + bare.port() + "/v1/sessions"))
                    .POST(HttpRequest.BodyPublishers.ofString("{\"text\": \"x\"}")).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(503, r.statusCode());
            assertTrue(r.body().contains("--model FILE.gguf"), r.body());
        }
    }
}
