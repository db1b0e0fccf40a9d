package carto.api;

import carto.agents.QuixBugsScripts;
import carto.agents.ScriptedModel;
import carto.agents.eval.IssueTasks;
import carto.agents.sandbox.CommandRunner;
import carto.agents.sandbox.Worktree;
import carto.api.server.CartoServer;
import carto.graph.KnowledgeGraph;
import carto.graph.TestGraph;
import carto.inference.Requirements;
import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The repository, issue and job APIs over real HTTP, with the real graph, sandbox and job store; the model is scripted. */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class IssueApiTest {
    @TempDir
    static Path tmp;
    static KnowledgeGraph kg;
    static CartoServer server;
    static String base;
    static Path quix;
    static String repoId;
    static String finishedJob;
    static final HttpClient http = HttpClient.newHttpClient();

    private static final Requirements NEEDS = new Requirements();

    @BeforeEach
    void needs() {
        NEEDS.assume();
    }

    @BeforeAll
    static void start() throws Exception {
        Path dataset = carto.inference.Fixtures.datasetIfPresent("quixbugs");
        NEEDS.need(dataset != null, "../shared/datasets/quixbugs is absent; these API tests resolve a QuixBugs issue")
                .need(new CommandRunner(false).bubblewrapAvailable(), "bubblewrap is not installed: apt-get install bubblewrap");
        if (!NEEDS.met()) return;
        IssueTasks.quixbugs(dataset, tmp, null);
        quix = tmp.resolve("quixbugs");
        kg = KnowledgeGraph.open(new KnowledgeGraph.Config(tmp.resolve("data"), TestGraph.server().boltUri(), null, null, null, false));
        server = newServer(QuixBugsScripts.pythonCorrect());
    }

    static CartoServer newServer(ScriptedModel model) {
        CartoServer s = new CartoServer(kg, model, CartoServer.Options.of("127.0.0.1", 0).withDataDir(tmp.resolve("data"))).start();
        base = "http://127.0.0.1:" + s.port();
        return s;
    }

    @AfterAll
    static void stop() {
        if (server != null) server.close();
        if (kg != null) kg.close();
    }

    record Res(int status, JsonNode json, String text) {}

    static Res send(String method, String path, String body, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path));
        if (headers.length > 0) b.headers(headers);
        b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) b.header("Content-Type", "application/json");
        // a body over the limit is refused from its Content-Length before it is read; without
        // "Expect: 100-continue" the client may still be writing it when the server closes the
        // connection after its 413, and then sees the reset instead of the answer
        if (body != null && body.length() > 1 << 20) b.expectContinue(true);
        HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
        JsonNode j = null;
        try {
            j = r.body().isBlank() ? null : Json.MAPPER.readTree(r.body());
        } catch (Exception ignored) {
            // not JSON (SSE)
        }
        return new Res(r.statusCode(), j, r.body());
    }

    static JsonNode waitFor(String jobId, Predicate<JsonNode> done) throws Exception {
        for (int i = 0; i < 1200; i++) {
            JsonNode j = send("GET", "/v1/jobs/" + jobId, null).json();
            if (done.test(j)) return j;
            Thread.sleep(100);
        }
        throw new AssertionError("job " + jobId + " did not get there: " + send("GET", "/v1/jobs/" + jobId + "?events=true", null).text());
    }

    static boolean finished(JsonNode j) {
        return !List.of("QUEUED", "RUNNING").contains(j.path("state").asText());
    }

    static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    @Test
    @Order(1)
    void addingARepositoryIngestsItAndServesGraphQueries() throws Exception {
        Res r = send("POST", "/v1/repositories", Json.compact(Map.of("path", quix.toString())));
        assertEquals(202, r.status(), r.text());
        repoId = r.json().path("repository").path("id").asText();
        JsonNode job = waitFor(r.json().path("job").path("id").asText(), IssueApiTest::finished);
        assertEquals("SUCCEEDED", job.path("state").asText(), job.toString());
        assertTrue(job.path("result").path("files").asInt() > 50, job.path("result").toString());

        JsonNode list = send("GET", "/v1/repositories", null).json();
        assertTrue(list.path("data").findValuesAsText("id").contains(repoId));
        JsonNode info = send("GET", "/v1/repositories/" + repoId, null).json();
        assertEquals(quix.toString(), info.path("path").asText());
        assertTrue(info.path("astNodes").asLong() > info.path("files").asLong(), "AST nodes counted from the files: " + info);

        String g = "/v1/repositories/" + repoId;
        assertEquals(List.of("correct_python_programs/gcd.py", "python_programs/gcd.py"),
                send("GET", g + "/files?name=gcd.py", null).json().path("data").findValuesAsText("path").stream().sorted().toList());
        assertTrue(send("GET", g + "/outline?path=" + enc("python_programs/gcd.py"), null).json().path("data").findValuesAsText("name").contains("gcd"));
        assertTrue(send("GET", g + "/code?path=" + enc("python_programs/gcd.py") + "&start_line=1&end_line=5", null).json().path("text").asText()
                .contains("return gcd(a % b, b)"));
        assertTrue(send("GET", g + "/definitions?name=gcd", null).json().path("data").findValuesAsText("path").contains("python_programs/gcd.py"));
        assertTrue(send("GET", g + "/search?q=gcd&kind=symbol", null).json().path("data").size() > 0);
        assertTrue(send("GET", g + "/tree?path=python_programs", null).json().path("data").size() > 10);
        assertEquals(200, send("GET", g + "/callers?name=gcd", null).status());
        assertEquals(200, send("GET", g + "/references?name=gcd", null).status());
        assertEquals(200, send("GET", g + "/imports?path=" + enc("python_testcases/test_gcd.py"), null).status());
        assertEquals(200, send("GET", g + "/hierarchy?name=Node", null).status());
        // the smallest node holding the text, found by walking down from its file's root (a statement, with its file's path)
        JsonNode found = send("GET", g + "/find-code?text=" + enc("gcd(a % b, b)") + "&path=" + enc("python_programs/gcd.py"), null).json().path("data");
        assertEquals(1, found.size(), found.toString());
        assertEquals("python_programs/gcd.py", found.get(0).path("path").asText());
        assertEquals("return_statement", found.get(0).path("type").asText(), found.toString());
        Res bad = send("GET", g + "/search?q=gcd&kind=nonsense", null);
        assertEquals(400, bad.status());
        assertTrue(bad.json().path("error").path("message").asText().contains("symbol, code or text"));
        assertEquals(400, send("GET", g + "/outline", null).status());
        assertEquals(400, send("GET", g + "/code?path=a.py&start_line=x", null).status());
    }

    @Test
    @Order(2)
    void anIssueIsResolvedByAJobWhoseEventsStreamInOrder() throws Exception {
        Res r = send("POST", "/v1/repositories/" + repoId + "/issues", Json.compact(Map.of("title", "gcd returns wrong results",
                "body", "python_programs/gcd.py: gcd(35, 21) should be 7 but never returns.", "candidates", 1,
                "regression_command", QuixBugsScripts.PY_TESTS, "command_timeout_seconds", 120)));
        assertEquals(202, r.status(), r.text());
        String id = r.json().path("id").asText();
        // the stream: state changes and agent steps in order, ending when the job does
        HttpRequest req = HttpRequest.newBuilder(URI.create(base + "/v1/jobs/" + id + "/events")).header("Accept", "text/event-stream").build();
        HttpResponse<java.io.InputStream> resp = http.send(req, HttpResponse.BodyHandlers.ofInputStream());
        assertTrue(resp.headers().firstValue("Content-Type").orElse("").startsWith("text/event-stream"));
        List<String> types = new ArrayList<>();
        List<Long> ids = new ArrayList<>();
        List<String> phases = new ArrayList<>();
        List<String> states = new ArrayList<>();
        try (BufferedReader in = new BufferedReader(new InputStreamReader(resp.body(), StandardCharsets.UTF_8))) {
            String line, event = null;
            while ((line = in.readLine()) != null) {
                if (line.startsWith("id: ")) ids.add(Long.parseLong(line.substring(4)));
                else if (line.startsWith("event: ")) event = line.substring(7);
                else if (line.startsWith("data: ")) {
                    types.add(event);
                    JsonNode d = Json.MAPPER.readTree(line.substring(6));
                    if ("state".equals(event)) states.add(d.path("data").path("state").asText());
                    if ("step".equals(event) && "phase".equals(d.path("data").path("kind").asText())) phases.add(d.path("data").path("phase").asText());
                    if ("end".equals(event)) break;
                }
            }
        }
        assertEquals(List.of("queued", "running", "succeeded"), states);
        assertEquals("end", types.getLast());
        for (int i = 1; i < ids.size(); i++) assertEquals(ids.get(i - 1) + 1, ids.get(i), "event ids are consecutive");
        assertEquals(List.of("classify", "context", "reproduce", "edit", "verify"), phases.stream().distinct().toList());
        assertTrue(types.indexOf("result") < types.lastIndexOf("state"));

        JsonNode job = send("GET", "/v1/jobs/" + id, null).json();
        JsonNode result = job.path("result");
        assertTrue(result.path("resolved").asBoolean(), result.path("response").asText());
        assertTrue(result.path("diff").asText().contains("+        return gcd(b, a % b)"));
        assertEquals("PASSED", result.path("checks").get(0).path("status").asText());
        assertTrue(result.path("trace").size() > 10, "the full trace is saved with the job");
        assertTrue(result.path("promptTokens").asInt() > 0);
        // resuming the stream after an id replays only what came later
        Res replay = send("GET", "/v1/jobs/" + id + "/events?after=" + (ids.getLast() - 1), null);
        assertEquals(1, replay.json().path("data").size());
        finishedJob = id;
    }

    @Test
    @Order(3)
    void jobsOfOneRepositoryQueueAndCanBeCancelled() throws Exception {
        server.setModel(QuixBugsScripts.pythonCorrect().delay(300));
        String issue = Json.compact(Map.of("title", "gcd is wrong", "regression_command", QuixBugsScripts.PY_TESTS));
        String first = send("POST", "/v1/repositories/" + repoId + "/issues", issue).json().path("id").asText();
        String second = send("POST", "/v1/repositories/" + repoId + "/issues", issue).json().path("id").asText();
        waitFor(first, j -> j.path("state").asText().equals("RUNNING"));
        assertEquals("QUEUED", send("GET", "/v1/jobs/" + second, null).json().path("state").asText(), "one job at a time per working copy");
        assertEquals(202, send("POST", "/v1/jobs/" + second + "/cancel", null).status());
        assertEquals("CANCELLED", send("GET", "/v1/jobs/" + second, null).json().path("state").asText());
        assertEquals(202, send("POST", "/v1/jobs/" + first + "/cancel", null).status());
        JsonNode j = waitFor(first, IssueApiTest::finished);
        assertEquals("CANCELLED", j.path("state").asText(), j.toString());
        Res again = send("POST", "/v1/jobs/" + first + "/cancel", null);
        assertEquals(409, again.status());
        assertTrue(again.json().path("error").path("message").asText().contains("already finished"));
        server.setModel(QuixBugsScripts.pythonCorrect());
    }

    @Test
    @Order(4)
    void badRequestsGetErrorsThatSayWhatToDo() throws Exception {
        String issues = "/v1/repositories/" + repoId + "/issues";
        Res missing = send("POST", issues, "{\"comments\": []}");
        assertEquals(400, missing.status());
        assertEquals("title", missing.json().path("error").path("param").asText());
        Res type = send("POST", issues, "{\"title\": \"x\", \"candidates\": \"three\"}");
        assertEquals(400, type.status());
        assertTrue(type.json().path("error").path("message").asText().contains("'candidates' must be an integer"));
        Res range = send("POST", issues, "{\"title\": \"x\", \"candidates\": 50}");
        assertTrue(range.json().path("error").path("message").asText().contains("between 1 and 10"));
        Res unknown = send("POST", issues, "{\"title\": \"x\", \"labels\": [\"bug\"]}");
        assertTrue(unknown.json().path("error").path("message").asText().contains("unknown field 'labels'"));
        Res check = send("POST", issues, "{\"title\": \"x\", \"checks\": [\"lint\"]}");
        assertTrue(check.json().path("error").path("message").asText().contains("unknown check 'lint'"));
        Res issueType = send("POST", issues, "{\"title\": \"x\", \"type\": \"chore\"}");
        assertTrue(issueType.json().path("error").path("message").asText().contains("bug, feature, documentation, question"));
        Res json = send("POST", issues, "{\"title\": ");
        assertEquals(400, json.status());
        assertTrue(json.json().path("error").path("message").asText().contains("not valid JSON"));
        Res huge = send("POST", issues, "{\"title\": \"" + "x".repeat(2 << 20) + "\"}");
        assertEquals(413, huge.status(), huge.text());
        assertEquals("request_too_large", huge.json().path("error").path("type").asText());
        Res noRepo = send("POST", "/v1/repositories/nope-000000/issues", "{\"title\": \"x\"}");
        assertEquals(404, noRepo.status());
        assertTrue(noRepo.json().path("error").path("message").asText().contains("GET /v1/repositories"));
        assertEquals(404, send("GET", "/v1/jobs/no-such-job", null).status());
        assertEquals(404, send("POST", "/v1/jobs/no-such-job/cancel", null).status());
        assertEquals(400, send("POST", "/v1/repositories", "{\"path\": \"/a\", \"url\": \"https://x/y.git\"}").status());
        Res notDir = send("POST", "/v1/repositories", "{\"path\": \"/no/such/folder\"}");
        assertTrue(notDir.json().path("error").path("message").asText().contains("not a folder"));
        Res badUrl = send("POST", "/v1/repositories", "{\"url\": \"not a url\"}");
        assertTrue(badUrl.json().path("error").path("message").asText().contains("not a git URL"));
        assertEquals(400, send("GET", "/v1/jobs/" + finishedJob + "/events?after=abc", null).status());
    }

    @Test
    @Order(5)
    void gitUrlsAreClonedAndDeletedWithTheRepository() throws Exception {
        Path bare = tmp.resolve("remote.git");
        Worktree.git(tmp, "clone", "--quiet", "--bare", quix.toString(), bare.toString());
        Res r = send("POST", "/v1/repositories", Json.compact(Map.of("url", "file://" + bare, "name", "quix-clone")));
        assertEquals(202, r.status(), r.text());
        JsonNode job = waitFor(r.json().path("job").path("id").asText(), IssueApiTest::finished);
        assertEquals("SUCCEEDED", job.path("state").asText(), job.toString());
        String id = r.json().path("repository").path("id").asText();
        Path clone = Path.of(send("GET", "/v1/repositories/" + id, null).json().path("path").asText());
        assertTrue(clone.startsWith(tmp.resolve("data/repos")), clone.toString());
        assertTrue(Files.isRegularFile(clone.resolve("python_programs/gcd.py")));
        assertEquals(204, send("DELETE", "/v1/repositories/" + id, null).status());
        assertEquals(404, send("GET", "/v1/repositories/" + id, null).status());
        assertFalse(Files.exists(clone), "the clone Carto made is removed");
        assertTrue(Files.isDirectory(quix), "a user's own folder is never removed");
    }

    @Test
    @Order(6)
    void theOpenApiDocumentMatchesTheServedRoutes() throws Exception {
        JsonNode doc = send("GET", "/openapi.json", null).json();
        assertEquals("3.1.0", doc.path("openapi").asText());
        int operations = 0;
        for (Iterator<Map.Entry<String, JsonNode>> it = doc.path("paths").fields(); it.hasNext(); ) {
            var e = it.next();
            for (Iterator<String> m = e.getValue().fieldNames(); m.hasNext(); ) {
                String method = m.next();
                operations++;
                String path = e.getKey().replace("{id}", "zz-unknown");
                Res res = send(method.toUpperCase(), path, method.equals("get") || method.equals("delete") ? null : "{}");
                // a documented route answers with its own handler (400/404/503 with a specific error type), never the router's "no endpoint"
                assertNotEquals("not_found", res.json() == null ? "" : res.json().path("error").path("type").asText(), method + " " + path + ": " + res.text());
            }
        }
        assertEquals(server.routes().size(), operations);
        for (String p : List.of("/v1/repositories", "/v1/repositories/{id}/issues", "/v1/jobs/{id}/events", "/v1/jobs/{id}/cancel",
                "/v1/repositories/{id}/definitions", "/v1/chat/completions", "/v1/sessions/{id}/complete")) {
            assertTrue(doc.path("paths").has(p), p);
        }
        assertTrue(doc.path("paths").path("/v1/repositories/{id}/issues").path("post").path("requestBody").path("content")
                .path("application/json").path("schema").path("properties").has("regression_command"));
        assertEquals(404, send("GET", "/v1/not-a-route", null).status());
    }

    @Test
    @Order(7)
    void jobsSurviveARestartAndInterruptedOnesAreMarked() throws Exception {
        // what a crash leaves behind: a job file that still says it is running
        Path stale = tmp.resolve("data/jobs/crashed-job.json");
        Files.writeString(stale, """
                {"id":"crashed-job","kind":"resolve","repository":"%s","state":"RUNNING","createdAt":"2026-11-24T00:00:00Z",
                 "startedAt":"2026-11-24T00:00:01Z","request":{"title":"x"},"events":[]}""".formatted(repoId));
        server.close();
        server = newServer(QuixBugsScripts.pythonCorrect());
        JsonNode done = send("GET", "/v1/jobs/" + finishedJob, null).json();
        assertEquals("SUCCEEDED", done.path("state").asText());
        assertTrue(done.path("result").path("resolved").asBoolean());
        JsonNode crashed = send("GET", "/v1/jobs/crashed-job", null).json();
        assertEquals("INTERRUPTED", crashed.path("state").asText());
        assertTrue(crashed.path("error").asText().contains("submit it again"));
        assertTrue(send("GET", "/v1/jobs?repository=" + repoId, null).json().path("data").size() >= 4);
    }

    @Test
    @Order(8)
    void anApiKeyIsRequiredWhenSetAndBeyondLoopback() throws Exception {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new CartoServer(kg, null, CartoServer.Options.of("0.0.0.0", 0)))
                .getMessage().contains("--server-api-key"));
        try (CartoServer locked = new CartoServer(kg, null, CartoServer.Options.of("127.0.0.1", 0).withApiKey("s3cret")).start()) {
            String b = "http://127.0.0.1:" + locked.port();
            HttpResponse<String> no = http.send(HttpRequest.newBuilder(URI.create(b + "/v1/models")).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(401, no.statusCode());
            assertTrue(no.body().contains("Authorization: Bearer"));
            HttpResponse<String> wrong = http.send(HttpRequest.newBuilder(URI.create(b + "/v1/models")).header("Authorization", "Bearer nope").build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(401, wrong.statusCode());
            HttpResponse<String> ok = http.send(HttpRequest.newBuilder(URI.create(b + "/v1/models")).header("Authorization", "Bearer s3cret").build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, ok.statusCode());
            HttpResponse<String> header = http.send(HttpRequest.newBuilder(URI.create(b + "/v1/models")).header("X-API-Key", "s3cret").build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, header.statusCode());
            HttpResponse<String> query = http.send(HttpRequest.newBuilder(URI.create(b + "/v1/models?access_token=s3cret")).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, query.statusCode(), "event streams from browsers carry the key as access_token");
            assertEquals(200, http.send(HttpRequest.newBuilder(URI.create(b + "/health")).build(), HttpResponse.BodyHandlers.ofString()).statusCode());
        }
    }

    @Test
    @Order(9)
    void summariesRunAsJobsAndAreStoredInTheGraph() throws Exception {
        String g = "/v1/repositories/" + repoId;
        Res r = send("POST", g + "/summaries", Json.compact(Map.of("scope", "file", "target", "python_programs/gcd.py")));
        assertEquals(202, r.status(), r.text());
        assertEquals(2, r.json().path("plan").path("model_calls").asInt(), "the function and its file");
        JsonNode job = waitFor(r.json().path("id").asText(), IssueApiTest::finished);
        assertEquals("SUCCEEDED", job.path("state").asText(), job.toString());
        assertEquals(2, job.path("result").path("model_calls").asInt());
        JsonNode stored = send("GET", g + "/summaries?path=python_programs/gcd.py", null).json().path("data");
        assertEquals(List.of("file", "symbol"), stored.findValuesAsText("scope").stream().sorted().toList());
        // again: everything is reused
        Res again = send("POST", g + "/summaries", Json.compact(Map.of("scope", "file", "target", "python_programs/gcd.py")));
        assertEquals(0, again.json().path("plan").path("model_calls").asInt());
        waitFor(again.json().path("id").asText(), IssueApiTest::finished);
        assertTrue(send("GET", g + "/overview", null).json().path("markdown").asText().contains("## Architecture"));
        Res md = send("GET", g + "/overview", null, "Accept", "text/markdown");
        assertTrue(md.text().startsWith("# quixbugs"), md.text());
        assertEquals(400, send("POST", g + "/summaries", "{\"scope\": \"galaxy\"}").status());
        Res tooMany = send("POST", g + "/summaries", "{\"scope\": \"repository\", \"max_calls\": 3}");
        assertEquals(400, tooMany.status());
        assertTrue(tooMany.json().path("error").path("message").asText().contains("more than max_calls 3"));
        assertEquals(400, send("POST", g + "/summaries", "{\"scope\": \"file\", \"target\": \"nope.py\"}").status());
        assertEquals(400, send("GET", g + "/summaries?scope=galaxy", null).status());
    }

    @Test
    @Order(10)
    void aResolvedPatchIsAppliedToTheWorkingCopyOnRequest() throws Exception {
        String g = "/v1/repositories/" + repoId;
        Res file = send("GET", g + "/file?path=python_programs/gcd.py", null);
        assertTrue(file.json().path("text").asText().contains("return gcd(a % b, b)"));
        assertEquals("python", file.json().path("language").asText());
        assertEquals(404, send("GET", g + "/file?path=nope.py", null).status());
        Res applied = send("POST", "/v1/jobs/" + finishedJob + "/apply", null);
        assertEquals(200, applied.status(), applied.text());
        assertTrue(Files.readString(quix.resolve("python_programs/gcd.py")).contains("return gcd(b, a % b)"));
        assertTrue(send("GET", g + "/file?path=python_programs/gcd.py", null).json().path("text").asText().contains("return gcd(b, a % b)"));
        Res again = send("POST", "/v1/jobs/" + finishedJob + "/apply", null);
        assertEquals(409, again.status());
        assertTrue(again.json().path("error").path("message").asText().contains("does not apply"), again.text());
    }

    @Test
    @Order(11)
    void theModelCanBeSwitched() throws Exception {
        Res bad = send("POST", "/v1/models/load", "{\"path\": \"/no/such/model.gguf\"}");
        assertEquals(400, bad.status());
        assertTrue(bad.json().path("error").path("message").asText().contains("no file"));
        assertEquals(400, send("POST", "/v1/models/load", "{\"remote_url\": \"http://localhost:1/v1\"}").status());
        Res ok = send("POST", "/v1/models/load", Json.compact(Map.of("path", carto.inference.Fixtures.fixture("models/stories260K-f32.gguf").toString(),
                "context_length", 256)));
        assertEquals(200, ok.status(), ok.text());
        assertEquals(256, send("GET", "/v1/models", null).json().path("data").get(0).path("context_length").asInt());
        server.setModel(QuixBugsScripts.pythonCorrect());
    }
}
