package carto.inference.lm;

import carto.inference.sample.SamplingParams;
import org.junit.jupiter.api.Test;

import java.net.ServerSocket;
import java.net.URI;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The remote client against a loopback server that speaks the OpenAI protocol. */
class OpenAiCompatibleModelTest {
    static OpenAiCompatibleModel client(FakeOpenAiServer s, String key) {
        return new OpenAiCompatibleModel(new OpenAiCompatibleModel.Config(URI.create(s.baseUrl()), key, "test-model",
                Duration.ofSeconds(5), 2, 8192, true), Duration.ofMillis(10));
    }

    @Test
    void chatSendsTheConversationAndReadsToolCalls() throws Exception {
        try (FakeOpenAiServer s = new FakeOpenAiServer(); OpenAiCompatibleModel m = client(s, "sk-test")) {
            s.then(FakeOpenAiServer.Reply.json("""
                    {"choices":[{"index":0,"message":{"role":"assistant","content":null,"tool_calls":[
                     {"id":"call_7","type":"function","function":{"name":"find_file","arguments":"{\\"name\\":\\"a.py\\"}"}}]},
                     "finish_reason":"tool_calls"}],"usage":{"prompt_tokens":31,"completion_tokens":9}}"""));
            Completion c = m.chat(List.of(ChatMessage.system("sys"), ChatMessage.user("where is a.py?")),
                    List.of(new ToolSpec("find_file", "find a file", "{\"type\":\"object\",\"properties\":{\"name\":{\"type\":\"string\"}}}")),
                    new GenerationOptions(50, SamplingParams.GREEDY, List.of("###")), TokenSink.NONE, CancelToken.none());
            assertEquals(FinishReason.TOOL_CALLS, c.finishReason());
            assertEquals(new ToolCall("call_7", "find_file", "{\"name\":\"a.py\"}"), c.toolCalls().getFirst());
            assertEquals(31, c.promptTokens());
            var req = s.received.getFirst();
            assertEquals("/v1/chat/completions", req.path());
            assertEquals("Bearer sk-test", req.authorization());
            assertEquals("test-model", req.body().get("model").asText());
            assertEquals("where is a.py?", req.body().get("messages").get(1).get("content").asText());
            assertEquals("find_file", req.body().get("tools").get(0).get("function").get("name").asText());
            assertEquals("string", req.body().get("tools").get(0).get("function").get("parameters").get("properties").get("name").get("type").asText());
            assertEquals("###", req.body().get("stop").get(0).asText());
            assertEquals(50, req.body().get("max_tokens").asInt());
        }
    }

    @Test
    void streamingDeliversDeltasAndAssemblesStreamedToolCalls() throws Exception {
        try (FakeOpenAiServer s = new FakeOpenAiServer(); OpenAiCompatibleModel m = client(s, null)) {
            s.then(FakeOpenAiServer.Reply.sse(List.of(
                    "{\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"Hel\"}}]}",
                    "{\"choices\":[{\"index\":0,\"delta\":{\"content\":\"lo ✓\"}}]}",
                    "{\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"id\":\"c1\",\"function\":{\"name\":\"grep\",\"arguments\":\"{\\\"q\\\":\"}}]}}]}",
                    "{\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"\\\"x\\\"}\"}}]},\"finish_reason\":\"tool_calls\"}]}",
                    "{\"choices\":[],\"usage\":{\"prompt_tokens\":5,\"completion_tokens\":4}}")));
            StringBuilder streamed = new StringBuilder();
            Completion c = m.chat(List.of(ChatMessage.user("hi")), List.of(), GenerationOptions.greedy(10), streamed::append, CancelToken.none());
            assertEquals("Hello ✓", streamed.toString());
            assertEquals("Hello ✓", c.text());
            assertEquals(new ToolCall("c1", "grep", "{\"q\":\"x\"}"), c.toolCalls().getFirst());
            assertEquals(4, c.completionTokens());
            assertEquals("text/event-stream", s.received.getFirst().accept());
            assertTrue(s.received.getFirst().body().get("stream").asBoolean());
            assertEquals(null, s.received.getFirst().authorization());
        }
    }

    @Test
    void completionAndFimUseTheCompletionsEndpoint() throws Exception {
        try (FakeOpenAiServer s = new FakeOpenAiServer(); OpenAiCompatibleModel m = client(s, "k")) {
            s.then(FakeOpenAiServer.Reply.json("{\"choices\":[{\"text\":\" world\",\"finish_reason\":\"length\"}]}"));
            s.then(FakeOpenAiServer.Reply.json("{\"choices\":[{\"text\":\"return a + b\",\"finish_reason\":\"stop\"}]}"));
            assertEquals(FinishReason.LENGTH, m.complete("hello", GenerationOptions.greedy(3)).finishReason());
            Completion fim = m.fillInMiddle(new FimRequest("def add(a, b):\n    ", "\n", "m.py", null, List.of()),
                    GenerationOptions.greedy(16), TokenSink.NONE, CancelToken.none());
            assertEquals("return a + b", fim.text());
            assertEquals("/v1/completions", s.received.get(1).path());
            assertEquals("def add(a, b):\n    ", s.received.get(1).body().get("prompt").asText());
            assertEquals("\n", s.received.get(1).body().get("suffix").asText());
        }
    }

    @Test
    void retriesServerErrorsAndRateLimitsThenSucceeds() throws Exception {
        try (FakeOpenAiServer s = new FakeOpenAiServer(); OpenAiCompatibleModel m = client(s, "k")) {
            s.then(FakeOpenAiServer.Reply.status(503, "{\"error\":\"loading\"}"));
            s.then(new FakeOpenAiServer.Reply(429, "application/json", "{\"error\":\"slow down\"}", null, "0"));
            s.then(FakeOpenAiServer.Reply.json("{\"choices\":[{\"message\":{\"content\":\"ok\"},\"finish_reason\":\"stop\"}]}"));
            assertEquals("ok", m.chat(List.of(ChatMessage.user("x")), GenerationOptions.greedy(2)).text());
            assertEquals(3, s.received.size());
        }
    }

    @Test
    void clearErrorsForAuthFailuresExhaustedRetriesAndDeadServers() throws Exception {
        try (FakeOpenAiServer s = new FakeOpenAiServer(); OpenAiCompatibleModel m = client(s, "wrong")) {
            s.then(FakeOpenAiServer.Reply.status(401, "{\"error\":{\"message\":\"Incorrect API key\"}}"));
            ModelException e = assertThrows(ModelException.class, () -> m.chat(List.of(ChatMessage.user("x")), GenerationOptions.greedy(2)));
            assertTrue(e.getMessage().contains("HTTP 401") && e.getMessage().contains("API key"), e.getMessage());
            s.otherwise(r -> FakeOpenAiServer.Reply.status(500, "{\"error\":\"boom\"}"));
            e = assertThrows(ModelException.class, () -> m.chat(List.of(ChatMessage.user("x")), GenerationOptions.greedy(2)));
            assertTrue(e.getMessage().contains("HTTP 500 after 3 attempts"), e.getMessage());
        }
        int port;
        try (ServerSocket free = new ServerSocket(0)) {
            port = free.getLocalPort();
        }
        try (OpenAiCompatibleModel dead = new OpenAiCompatibleModel(new OpenAiCompatibleModel.Config(URI.create("http://127.0.0.1:" + port),
                null, "m", Duration.ofSeconds(2), 1, 4096, true), Duration.ofMillis(5))) {
            ModelException e = assertThrows(ModelException.class, () -> dead.complete("x", GenerationOptions.greedy(2)));
            assertTrue(e.getMessage().contains("cannot reach http://127.0.0.1:" + port + "/v1/completions"), e.getMessage());
        }
    }

    @Test
    void cancellingAStreamStopsReading() throws Exception {
        try (FakeOpenAiServer s = new FakeOpenAiServer(); OpenAiCompatibleModel m = client(s, null)) {
            java.util.List<String> events = new java.util.ArrayList<>();
            for (int i = 0; i < 50; i++) events.add("{\"choices\":[{\"index\":0,\"text\":\"t" + i + " \"}]}");
            s.then(FakeOpenAiServer.Reply.sse(events));
            CancelToken cancel = new CancelToken();
            int[] seen = {0};
            Completion c = m.complete("go", GenerationOptions.greedy(100), p -> {
                if (++seen[0] == 3) cancel.cancel();
            }, cancel);
            assertEquals(FinishReason.CANCELLED, c.finishReason());
            assertEquals("t0 t1 t2 ", c.text());
        }
    }
}
