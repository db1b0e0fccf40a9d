package carto.api;

import carto.api.server.CartoServer;
import carto.inference.lm.CancelToken;
import carto.inference.lm.ChatMessage;
import carto.inference.lm.Completion;
import carto.inference.lm.GenerationOptions;
import carto.inference.lm.LocalLanguageModel;
import carto.inference.lm.OpenAiCompatibleModel;
import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The local model served as an OpenAI-compatible API, over real HTTP, read by curl-like requests and by Carto's own remote client. */
class OpenAiApiTest {
    static LocalLanguageModel model;
    static CartoServer server;
    static String base;
    static final HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    static void start() {
        model = LocalLanguageModel.load(carto.inference.Fixtures.fixture("models/" + "stories260K-f32.gguf"), 2, 512);
        server = new CartoServer(null, model, "127.0.0.1", 0).start();
        base = "http://127.0.0.1:" + server.port();
    }

    @AfterAll
    static void stop() {
        if (server != null) server.close();
        if (model != null) model.close();
    }

    static HttpResponse<String> post(String path, String json) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(base + path)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json)).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void completionsMatchTheModelAndStreamTheSameText() throws Exception {
        String expected = model.complete("Once upon a time", GenerationOptions.greedy(12)).text();
        HttpResponse<String> r = post("/v1/completions", "{\"model\":\"x\",\"prompt\":\"Once upon a time\",\"max_tokens\":12,\"temperature\":0}");
        assertEquals(200, r.statusCode(), r.body());
        JsonNode j = Json.MAPPER.readTree(r.body());
        assertEquals(expected, j.at("/choices/0/text").asText());
        assertEquals("length", j.at("/choices/0/finish_reason").asText());
        assertEquals(12, j.at("/usage/completion_tokens").asInt());
        HttpResponse<String> s = post("/v1/completions", "{\"prompt\":\"Once upon a time\",\"max_tokens\":12,\"temperature\":0,\"stream\":true,\"stream_options\":{\"include_usage\":true}}");
        assertEquals("text/event-stream", s.headers().firstValue("Content-Type").orElse("").split(";")[0]);
        StringBuilder text = new StringBuilder();
        List<String> finish = new ArrayList<>();
        boolean done = false;
        for (String line : s.body().split("\n")) {
            if (!line.startsWith("data: ")) continue;
            String data = line.substring(6);
            if (data.equals("[DONE]")) {
                done = true;
                continue;
            }
            JsonNode ev = Json.MAPPER.readTree(data);
            if (ev.path("choices").size() > 0) {
                text.append(ev.at("/choices/0/text").asText(""));
                if (!ev.at("/choices/0/finish_reason").isNull() && !ev.at("/choices/0/finish_reason").isMissingNode()) finish.add(ev.at("/choices/0/finish_reason").asText());
            }
        }
        assertTrue(done);
        assertEquals(expected, text.toString());
        assertEquals(List.of("length"), finish);
    }

    @Test
    void theRemoteClientTalksToThisServer() {
        try (OpenAiCompatibleModel remote = new OpenAiCompatibleModel(OpenAiCompatibleModel.Config.of(base, "secret", "stories"))) {
            String local = model.complete("Lily went", GenerationOptions.greedy(10)).text();
            assertEquals(local, remote.complete("Lily went", GenerationOptions.greedy(10)).text());
            StringBuilder streamed = new StringBuilder();
            Completion c = remote.complete("Lily went", GenerationOptions.greedy(10), streamed::append, CancelToken.none());
            assertEquals(local, streamed.toString());
            assertEquals(local, c.text());
            Completion chat = remote.chat(List.of(ChatMessage.user("Tell me a story")), GenerationOptions.greedy(8));
            assertEquals(model.chat(List.of(ChatMessage.user("Tell me a story")), GenerationOptions.greedy(8)).text(), chat.text());
        }
    }

    @Test
    void badRequestsGetClearErrors() throws Exception {
        HttpResponse<String> r = post("/v1/completions", "{not json");
        assertEquals(400, r.statusCode());
        assertTrue(Json.MAPPER.readTree(r.body()).at("/error/message").asText().contains("not valid JSON"), r.body());
        r = post("/v1/completions", "{\"max_tokens\":5}");
        assertEquals(400, r.statusCode());
        assertEquals("prompt", Json.MAPPER.readTree(r.body()).at("/error/param").asText());
        r = post("/v1/completions", "{\"prompt\":\"x\",\"n\":3}");
        assertEquals(400, r.statusCode());
        r = post("/v1/completions", "{\"prompt\":\"x\",\"temperature\":-1}");
        assertEquals(400, r.statusCode());
        assertTrue(r.body().contains("temperature"), r.body());
        r = post("/v1/chat/completions", "{\"messages\":[{\"role\":\"wizard\",\"content\":\"hi\"}]}");
        assertEquals(400, r.statusCode());
        assertTrue(r.body().contains("unknown message role 'wizard'"), r.body());
        r = post("/v1/completions", "{\"prompt\":\"def f():\",\"suffix\":\"\\n\"}");
        assertEquals(400, r.statusCode());
        assertTrue(r.body().contains("no fill-in-the-middle tokens"), r.body());
        r = post("/v1/completions", "{\"prompt\":\"" + "one two three ".repeat(300) + "\"}");
        assertEquals(400, r.statusCode());
        assertEquals("context_length_exceeded", Json.MAPPER.readTree(r.body()).at("/error/type").asText());
        HttpResponse<String> nf = http.send(HttpRequest.newBuilder(URI.create(base + "/v1/nothing")).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(404, nf.statusCode());
        assertTrue(nf.body().contains("no endpoint GET /v1/nothing"), nf.body());
    }

    @Test
    void withoutAModelTheApiSaysHowToLoadOne() throws Exception {
        try (CartoServer empty = new CartoServer(null, null, "127.0.0.1", 0).start()) {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + empty.port() + "/v1/completions"))
                    .POST(HttpRequest.BodyPublishers.ofString("{\"prompt\":\"x\"}")).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(503, r.statusCode());
            assertTrue(r.body().contains("--model"), r.body());
            HttpResponse<String> models = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + empty.port() + "/v1/models")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(0, Json.MAPPER.readTree(models.body()).path("data").size());
        }
    }

    @Test
    void modelsListsTheLoadedModel() throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base + "/v1/models")).build(), HttpResponse.BodyHandlers.ofString());
        JsonNode j = Json.MAPPER.readTree(r.body());
        assertEquals(model.name(), j.at("/data/0/id").asText());
        assertEquals(512, j.at("/data/0/context_length").asInt());
    }
}
