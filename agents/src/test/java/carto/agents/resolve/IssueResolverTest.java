package carto.agents.resolve;

import carto.agents.QuixBugsScripts;
import carto.agents.ScriptedModel;
import carto.agents.eval.IssueEval;
import carto.agents.eval.IssueTasks;
import carto.agents.llm.Trace;
import carto.agents.resolve.Resolution.Status;
import carto.agents.sandbox.CommandRunner;
import carto.agents.sandbox.Limits;
import carto.graph.RepositoryInfo;
import carto.graph.TestGraph;
import carto.graph.search.CodeIndex;
import carto.graph.tools.GraphTools;
import carto.inference.Fixtures;
import carto.inference.Requirements;
import carto.inference.lm.CancelToken;
import carto.inference.lm.GenerationOptions;
import carto.inference.lm.LanguageModel;
import carto.inference.lm.LocalLanguageModel;
import carto.ingest.IngestListener;
import carto.ingest.IngestOptions;
import carto.ingest.Ingestor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Issue resolution end to end on real third-party code (QuixBugs): ingest into the real graph,
 * resolve with a scripted model through the real tool protocol, run every check in the sandbox.
 */
class IssueResolverTest {
    @TempDir
    static Path tmp;
    static CodeIndex index;
    static GraphTools graph;
    static RepositoryInfo repo;
    static List<IssueTasks.Task> tasks;
    static final CommandRunner RUNNER = new CommandRunner(false);

    private static final Requirements NEEDS = new Requirements();

    @BeforeEach
    void needs() {
        NEEDS.assume();
    }

    @BeforeAll
    static void ingestQuixBugs() throws Exception {
        Path dataset = Fixtures.datasetIfPresent("quixbugs");
        NEEDS.need(dataset != null, "../shared/datasets/quixbugs is absent; the QuixBugs end-to-end tests need it")
                .need(RUNNER.bubblewrapAvailable(), "bubblewrap is not installed: apt-get install bubblewrap");
        if (!NEEDS.met()) return;
        tasks = IssueTasks.quixbugs(dataset, tmp, IssueTasks.junitClasspath());
        index = CodeIndex.open(tmp.resolve("index"));
        var s = new Ingestor(TestGraph.graph(), index).ingest(tmp.resolve("quixbugs"), IngestOptions.defaults().withRepoId("quixbugs-resolve"), IngestListener.NONE);
        repo = TestGraph.graph().repository(s.repoId()).orElseThrow();
        graph = new GraphTools(TestGraph.graph(), index);
    }

    @AfterAll
    static void close() {
        if (index != null) index.close();
    }

    static IssueResolver resolver(LanguageModel model) {
        return new IssueResolver(model, graph, new IssueResolver.Config(tmp.resolve("worktrees"), RUNNER,
                new Limits(Duration.ofSeconds(120), 2L << 30, 128 << 10), GenerationOptions.greedy(256), 12));
    }

    static IssueRequest gcdIssue(String regression, int candidates, boolean reproduction) {
        return new IssueRequest("gcd returns wrong results", "python_programs/gcd.py: gcd(35, 21) should be 7 but never returns.", List.of(),
                null, new IssueRequest.Checks(reproduction, true, false, false), null, null, regression, candidates, null, 100_000, Duration.ofSeconds(120));
    }

    @Test
    void correctPatchPassesReproductionAndRegressionTests() {
        ScriptedModel model = QuixBugsScripts.pythonCorrect();
        Trace trace = new Trace(null);
        // the regression tests are chosen from the graph: the template receives the selected test files
        Resolution r = resolver(model).resolve(repo, gcdIssue("python3 -m pytest -q -p no:cacheprovider {tests}", 1, true), trace, CancelToken.none());
        assertTrue(r.resolved(), r.response() + "\n" + r.checks());
        assertEquals(IssueType.BUG, r.type());
        assertEquals(Status.PASSED, r.check("reproduction").status());
        assertEquals(Status.PASSED, r.check("regression").status());
        assertTrue(r.check("regression").command().contains("python_testcases/test_gcd.py"), r.check("regression").command());
        assertEquals(Status.NOT_RUN, r.check("build").status());
        assertTrue(r.diff().contains("-        return gcd(a % b, b)\n+        return gcd(b, a % b)"), r.diff());
        assertFalse(r.diff().contains(QuixBugsScripts.REPRO_FILE), "the reproduction test is not part of the patch");
        assertTrue(r.diff().startsWith("diff --git a/python_programs/gcd.py b/python_programs/gcd.py"), r.diff());
        assertTrue(r.promptTokens() > 0 && r.completionTokens() > 0);
        // the trace shows the reproduction test failing on the base commit
        assertTrue(trace.steps().stream().anyMatch(s -> s.kind().equals("check") && s.title().contains("base commit") && s.error()));
        assertEquals(List.of("Classify this issue", "report_context", "report_reproduction", "submit_patch"),
                model.seen().stream().distinct().toList());
        // the user's checkout is untouched
        assertTrue(graph.fileContent(repo.id(), QuixBugsScripts.PY_FILE).contains(QuixBugsScripts.BUGGY_LINE));
        // the patch really fixes the program: the task's own tests on a fresh worktree
        IssueTasks.Task task = tasks.stream().filter(t -> t.id().equals("quixbugs/python/gcd")).findFirst().orElseThrow();
        var verdict = IssueEvalAccess.judge(task, r, RUNNER);
        assertTrue(verdict.resolved(), String.valueOf(verdict));
    }

    @Test
    void wrongPatchIsRejectedNamingTheFailingTest() {
        Resolution r = resolver(QuixBugsScripts.pythonWrong()).resolve(repo, gcdIssue(QuixBugsScripts.PY_TESTS, 1, true), new Trace(null), CancelToken.none());
        assertFalse(r.resolved());
        assertEquals(Status.FAILED, r.check("reproduction").status());
        assertTrue(r.check("reproduction").failingTests().stream().anyMatch(t -> t.contains("test_gcd_of_35_and_21")), r.check("reproduction").failingTests().toString());
        assertEquals(Status.FAILED, r.check("regression").status());
        assertTrue(r.check("regression").failingTests().stream().anyMatch(t -> t.startsWith("python_testcases/test_gcd.py::test_gcd")));
        assertTrue(r.failure().contains("reproduction"), r.failure());
        assertTrue(r.response().contains("test_gcd_of_35_and_21"), r.response());
        assertTrue(r.diff().contains("+        return a % b"), "the rejected patch is shown");
    }

    @Test
    void malformedToolCallsAreRecoveredFrom() {
        Trace trace = new Trace(null);
        Resolution r = resolver(QuixBugsScripts.pythonMalformedThenRecovers()).resolve(repo, gcdIssue(QuixBugsScripts.PY_TESTS, 1, true), trace, CancelToken.none());
        assertTrue(r.resolved(), r.response());
        assertTrue(trace.steps().stream().anyMatch(s -> s.kind().equals("error") && s.title().equals("malformed tool call")));
        assertTrue(r.diff().contains("+        return gcd(b, a % b)"));
    }

    @Test
    void unreadableToolCallsEndCleanly() {
        Resolution r = resolver(QuixBugsScripts.pythonAlwaysMalformed()).resolve(repo, gcdIssue(QuixBugsScripts.PY_TESTS, 1, false), new Trace(null), CancelToken.none());
        assertFalse(r.resolved());
        assertEquals("", r.diff());
        assertTrue(r.candidates().getFirst().verdict().contains("could not be read"), r.candidates().toString());
        assertNotNull(r.failure());
    }

    @Test
    void javaCandidatesAreDeduplicatedAndJudgedByTheRegressionTests() {
        assumeTrue(IssueTasks.junitClasspath() != null, "JUnit 4.13.2 is not in ~/.m2 (mvn resolves it as a test dependency of this module)");
        IssueTasks.Task task = tasks.stream().filter(t -> t.id().equals("quixbugs/java/GCD")).findFirst().orElseThrow();
        ScriptedModel model = new ScriptedModel()
                .on("Classify this issue", "This is a bug.")
                .on("report_context", ScriptedModel.call("report_context", Map.of("ranges", new String[]{"java_programs/GCD.java:14-21"})))
                .on("submit_patch",
                        ScriptedModel.call("edit_file", Map.of("path", "java_programs/GCD.java", "old_text", "return gcd(a % b, b);", "new_text", "return gcd(b, a % b);")),
                        ScriptedModel.call("submit_patch", Map.of("summary", "swap the recursive arguments")));
        IssueRequest req = new IssueRequest(task.title(), task.body(), List.of(), null, new IssueRequest.Checks(false, true, false, false), null, null,
                task.regressionCommand(), 2, task.baseCommit(), 100_000, Duration.ofSeconds(120));
        Resolution r = resolver(model).resolve(repo, req, new Trace(null), CancelToken.none());
        assertTrue(r.resolved(), r.response() + r.checks());
        assertEquals(2, r.candidates().stream().filter(c -> !c.diff().isEmpty()).count());
        assertTrue(r.candidates().stream().anyMatch(c -> c.verdict().equals("same as an earlier candidate")));
        assertEquals(Status.PASSED, r.check("regression").status());
        assertTrue(r.check("regression").log().contains("OK (7 tests)") || r.check("regression").log().contains("OK ("), r.check("regression").log());
        assertEquals(Status.NOT_RUN, r.check("reproduction").status());
    }

    @Test
    void questionsGetAnAnswerWithCheckedCitations() {
        ScriptedModel model = new ScriptedModel()
                .on("Classify this issue", "question")
                .on("report_context", ScriptedModel.call("report_context", Map.of("ranges", new String[]{QuixBugsScripts.PY_FILE})))
                .on("Call answer when done", ScriptedModel.call("answer", Map.of("answer", "gcd recurses on the remainder (Euclid's algorithm).",
                        "citations", new String[]{"python_programs/gcd.py:1-6", "no/such/file.py:1-3", "python_programs/gcd.py:9000-9010"})));
        Resolution r = resolver(model).resolve(repo, IssueRequest.of("How does gcd work?", "Which algorithm does python_programs/gcd.py use?"),
                new Trace(null), CancelToken.none());
        assertTrue(r.resolved(), r.response());
        assertEquals(IssueType.QUESTION, r.type());
        assertEquals(List.of(new Resolution.Citation("python_programs/gcd.py", 1, 6)), r.citations());
        assertEquals("", r.diff());
        assertTrue(r.response().contains("Euclid"));
    }

    @Test
    void theRealLocalModelRunsTheWholeWorkflowAndHonestlyFails() throws Exception {
        Path gguf = Fixtures.fixture("models/stories260K-f32.gguf");
        try (LocalLanguageModel model = LocalLanguageModel.load(gguf, 2, 512)) {
            Trace trace = new Trace(null);
            Resolution r = resolver(model).resolve(repo, IssueRequest.of("gcd is wrong", "gcd(35, 21) never ends."), trace, CancelToken.none());
            assertFalse(r.resolved(), r.response());
            assertTrue(r.response().startsWith("Not resolved"), r.response());
            assertNotNull(r.failure());
            // real generation happened (the classification), and the trace says why it went no further
            assertTrue(trace.steps().stream().anyMatch(s -> s.kind().equals("model") && s.completionTokens() > 0));
            assertTrue(trace.steps().stream().anyMatch(s -> s.kind().equals("error") && s.text() != null && s.text().contains("attends to only 512")),
                    trace.steps().toString());
        }
    }

    /**
     * The same resolution with a remote OpenAI-compatible model that makes native tool calls: a
     * loopback server speaking the real chat-completions protocol answers with the scripted calls.
     */
    @Test
    void aRemoteModelWithNativeToolCallsResolvesThroughTheRealProtocol() throws Exception {
        ScriptedModel script = QuixBugsScripts.pythonCorrect();
        com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
        try (carto.inference.lm.FakeOpenAiServer server = new carto.inference.lm.FakeOpenAiServer()) {
            java.util.concurrent.atomic.AtomicInteger ids = new java.util.concurrent.atomic.AtomicInteger();
            server.otherwise(req -> {
                // the scripted answer for this conversation, turned into an OpenAI response with native tool_calls
                List<carto.inference.lm.ChatMessage> msgs = new java.util.ArrayList<>();
                for (var m : req.body().path("messages")) {
                    var role = carto.inference.lm.ChatMessage.Role.valueOf(m.path("role").asText().toUpperCase(java.util.Locale.ROOT));
                    msgs.add(new carto.inference.lm.ChatMessage(role, m.path("content").asText(""), null, null));
                }
                String reply = script.chat(msgs, carto.inference.lm.GenerationOptions.greedy(16)).text();
                var parsed = carto.agents.llm.TextToolProtocol.parse(reply, List.of("find_file", "outline", "report_context", "create_file", "run_command",
                        "report_reproduction", "read_file", "edit_file", "submit_patch"));
                var message = json.createObjectNode().put("role", "assistant");
                if (parsed.calls().isEmpty()) message.put("content", reply);
                else {
                    message.putNull("content");
                    var calls = message.putArray("tool_calls");
                    for (var c : parsed.calls()) {
                        var call = calls.addObject().put("id", "call_" + ids.incrementAndGet()).put("type", "function");
                        call.putObject("function").put("name", c.name()).put("arguments", c.argumentsJson());
                    }
                }
                var body = json.createObjectNode().put("id", "chatcmpl-1").put("object", "chat.completion").put("model", "remote-coder");
                var choice = body.putArray("choices").addObject().put("index", 0).put("finish_reason", parsed.calls().isEmpty() ? "stop" : "tool_calls");
                choice.set("message", message);
                body.putObject("usage").put("prompt_tokens", 100).put("completion_tokens", 10);
                return carto.inference.lm.FakeOpenAiServer.Reply.json(body.toString());
            });
            var remote = new carto.inference.lm.OpenAiCompatibleModel(new carto.inference.lm.OpenAiCompatibleModel.Config(java.net.URI.create(server.baseUrl()),
                    "test-key", "remote-coder", Duration.ofSeconds(30), 0, 32768, false));
            Resolution r = resolver(remote).resolve(repo, gcdIssue(QuixBugsScripts.PY_TESTS, 1, true), new Trace(null), CancelToken.none());
            assertTrue(r.resolved(), r.response());
            assertTrue(r.diff().contains("+        return gcd(b, a % b)"));
            // the requests carried the tool schemas, and every tool result went back as a tool message answering its call
            var withTools = server.received.stream().filter(x -> x.body().path("tools").size() > 0).toList();
            assertTrue(withTools.size() >= 6, "tool-calling turns: " + withTools.size());
            assertTrue(withTools.getFirst().body().path("tools").findValuesAsText("name").contains("report_context"));
            var toolMessages = server.received.stream().flatMap(x -> java.util.stream.StreamSupport.stream(x.body().path("messages").spliterator(), false))
                    .filter(m -> m.path("role").asText().equals("tool")).toList();
            assertFalse(toolMessages.isEmpty());
            assertTrue(toolMessages.stream().allMatch(m -> m.path("tool_call_id").asText().startsWith("call_")));
            assertEquals("Bearer test-key", server.received.getFirst().authorization());
        }
    }
}
