package carto.api;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The command line as a user runs it: exit codes, output, and errors that say what to do. */
class CliTest {
    @TempDir
    Path tmp;

    record Run(int code, String out, String err) {}

    static synchronized Run run(String... args) {
        PrintStream oldOut = System.out, oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        try {
            int code = Main.run(args);
            return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }

    @Test
    void modelInfoDescribesAModel() {
        Run r = run("model", "info", carto.inference.Fixtures.fixture("models/" + "synthetic-llama-dscoder-q4_k.gguf").toString(), "--json");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("\"architecture\" : \"llama\""), r.out());
        assertTrue(r.out().contains("\"fim\" : \"deepseek-coder\""), r.out());
        assertTrue(r.out().contains("\"memory_needed_bytes\""), r.out());
    }

    @Test
    void brokenModelsAreClearErrors() throws Exception {
        Path bad = Files.writeString(tmp.resolve("bad.gguf"), "this is not a model, just some text that is long enough");
        Run r = run("model", "info", bad.toString());
        assertEquals(1, r.code());
        assertTrue(r.err().contains("bad.gguf: not a GGUF file"), r.err());
        r = run("generate", "--model", tmp.resolve("missing.gguf").toString(), "hi");
        assertEquals(1, r.code());
        assertTrue(r.err().contains("no such file"), r.err());
        r = run("generate", "hi");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("no model configured"), r.err());
        r = run("model", "quantize", carto.inference.Fixtures.fixture("models/" + "stories260K-f32.gguf").toString(), tmp.resolve("x.gguf").toString(), "Q3_K");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("unknown tensor type") || r.err().contains("cannot quantize to Q3_K"), r.err());
    }

    @Test
    void generateStreamsText() {
        Run r = run("generate", "--model", carto.inference.Fixtures.fixture("models/" + "stories260K-f32.gguf").toString(), "--temperature", "0", "--max-tokens", "12", "Once upon a time");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().startsWith(", there was a little girl named"), r.out());
    }

    @Test
    void quantizeAndSynthWriteLoadableModels() {
        Path q = tmp.resolve("stories-q4.gguf");
        Run r = run("model", "quantize", carto.inference.Fixtures.fixture("models/" + "stories260K-f32.gguf").toString(), q.toString(), "q4_0");
        assertEquals(0, r.code(), r.err());
        assertEquals(0, run("model", "info", q.toString()).code());
        Path s = tmp.resolve("tiny.gguf");
        r = run("model", "synth", "--shape", "tiny-test", "--type", "Q8_0", s.toString());
        assertEquals(0, r.code(), r.err());
        Run gen = run("generate", "--model", s.toString(), "--temperature", "0", "--max-tokens", "4", "abc");
        assertEquals(0, gen.code(), gen.err());
    }

    @Test
    void ingestAndQueryThroughTheCommandLine() throws Exception {
        Path repo = tmp.resolve("repo");
        Files.createDirectories(repo.resolve("src"));
        Files.writeString(repo.resolve("src/app.py"), "def helper():\n    return 1\n\n\ndef main():\n    return helper()\n");
        Files.writeString(repo.resolve("README.md"), "# App\n\nCalls helper.\n");
        String data = tmp.resolve("data").toString();
        Run r = run("ingest", repo.toString(), "--data", data, "--repo-id", "app", "--json");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("\"files\" : 2"), r.out());
        Run q = run("query", "callers", "helper", "--data", data);
        assertEquals(0, q.code(), q.err());
        assertTrue(q.out().contains("src/app.py:6  app.main -CALLS-> app.helper"), q.out());
        Run bad = run("query", "read", "src/app.py", "one", "2", "--data", data);
        assertEquals(2, bad.code());
        assertTrue(bad.err().contains("a start line must be a number"), "out: " + bad.out() + " err: " + bad.err());
        Run missing = run("ingest", tmp.resolve("nope").toString(), "--data", data);
        assertEquals(1, missing.code());
        assertTrue(missing.err().contains("no such folder"), missing.err());
    }

    @Test
    void completeFillsTheMiddleOfAFileAndRejectsBadPlaces() throws Exception {
        String model = carto.inference.Fixtures.fixture("models/synthetic-qwen2-fim-e256-q8_0.gguf").toString();
        Path src = Files.writeString(tmp.resolve("calc.py"), "def add(a, b):\n    return a + b\n\n\ndef sub(a, b):\n    \n");
        Run r = run("complete", src.toString(), "--line", "6", "--col", "5", "--model", model, "--max-tokens", "5", "--json");
        assertEquals(0, r.code(), r.err());
        com.fasterxml.jackson.databind.JsonNode j = Json.MAPPER.readTree(r.out());
        assertTrue(j.get("generated_tokens").asInt() <= 5 && j.has("completion") && j.at("/timings/first_token_ms").asDouble() > 0, r.out());
        // the same completion as plain text, and the same as the OpenAI-style FIM request would give (greedy)
        Run plain = run("complete", src.toString(), "--line", "6", "--col", "5", "--model", model, "--max-tokens", "5");
        assertEquals(j.get("completion").asText(), plain.out().endsWith("\n") && !j.get("completion").asText().endsWith("\n")
                ? plain.out().substring(0, plain.out().length() - 1) : plain.out());
        Run past = run("complete", src.toString(), "--line", "60", "--col", "1", "--model", model);
        assertEquals(2, past.code());
        assertTrue(past.err().contains("has 7 lines"), past.err());
        Run col = run("complete", src.toString(), "--line", "1", "--col", "99", "--model", model);
        assertEquals(2, col.code());
        assertTrue(col.err().contains("--col goes from 1 to 15"), col.err());
        Path bin = Files.write(tmp.resolve("blob.py"), new byte[]{1, 0, 2, 0});
        Run b = run("complete", bin.toString(), "--line", "1", "--col", "1", "--model", model);
        assertEquals(2, b.code());
        assertTrue(b.err().contains("looks binary"), b.err());
        Run noFim = run("complete", src.toString(), "--line", "1", "--col", "1", "--model",
                carto.inference.Fixtures.fixture("models/stories260K-f32.gguf").toString());
        assertEquals(2, noFim.code());
        assertTrue(noFim.err().contains("no fill-in-the-middle tokens"), noFim.err());
    }

    @Test
    void benchIngestPrintsTheFiguresOfTheIssueAndAnIncrementalReingest() throws Exception {
        Path repo = Files.createDirectories(tmp.resolve("calc"));
        Files.writeString(repo.resolve("calc.py"), "def add(a, b):\n    return a + b\n\n\ndef twice(x):\n    return add(x, x)\n");
        Files.writeString(repo.resolve("main.c"), "static int sq(int x) { return x * x; }\n\nint main(void) {\n    return sq(3);\n}\n");
        Files.writeString(repo.resolve("README.md"), "# Calc\n\nAdds numbers.\n");
        Run r = run("bench", "ingest", repo.toString());
        assertEquals(0, r.code(), r.err());
        com.fasterxml.jackson.databind.JsonNode j = Json.MAPPER.readTree(r.out());
        assertEquals(3, j.get("files").asInt(), r.out());
        assertEquals(6 + 5 + 3, j.get("lines").asInt(), r.out());
        assertEquals(2, j.at("/files_by_language/python").asInt() + j.at("/files_by_language/c").asInt(), r.out());
        // Repository, 3 files, AST nodes of 4 functions and more, a text chunk; CALLS twice->add and main->sq
        assertTrue(j.get("nodes").asInt() > 10 && j.get("edges").asInt() > 10, r.out());
        assertEquals(2, j.get("semantic_edges").asInt(), r.out());
        double secs = j.get("seconds").asDouble();
        assertTrue(secs > 0, r.out());
        // lines/s comes from the unrounded seconds
        assertEquals(14 / secs, j.get("lines_per_second").asDouble(), 14 / secs * 0.05 + 1, r.out());
        assertTrue(j.get("peak_heap_bytes").asLong() > 0 && j.get("incremental_seconds").asDouble() > 0, r.out());
        assertEquals(1, j.get("incremental_files_resolved").asInt(), r.out());
        assertEquals(carto.ingest.parse.TreeSitterParser.runtime(), j.get("tree_sitter").asText());
        assertEquals("cold (first ingest of this process)", j.get("jvm").asText());
        assertEquals("def add(a, b):\n    return a + b\n\n\ndef twice(x):\n    return add(x, x)\n", Files.readString(repo.resolve("calc.py")),
                "the file the benchmark touched is restored");
        assertEquals("static int sq(int x) { return x * x; }\n\nint main(void) {\n    return sq(3);\n}\n", Files.readString(repo.resolve("main.c")));
    }

    @Test
    void benchPiePrintsLatenciesAndAgreement() throws Exception {
        Path trace = carto.inference.Fixtures.shared().resolve("datasets/fim/HumanEval-MultiLineInfilling.dev.jsonl");
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.exists(trace), "SKIPPED: " + trace + " is absent");
        Run r = run("bench", "pie", "--model", carto.inference.Fixtures.fixture("models/stories260K-f32.gguf").toString(), "--contexts", "96",
                "--edits", "1,4", "--repeats", "1", "--corpus", trace.toString(), "--trace", trace.toString(), "--trace-tasks", "2");
        assertEquals(0, r.code(), r.err());
        com.fasterxml.jackson.databind.JsonNode j = Json.MAPPER.readTree(r.out());
        assertEquals(2, j.get("latency").size());
        com.fasterxml.jackson.databind.JsonNode row = j.get("latency").get(1);
        assertEquals(96, row.get("context_tokens").asInt());
        assertEquals(4, row.get("edit_tokens").asInt());
        assertTrue(row.get("pie_update_ms").asDouble() > 0 && row.get("exact_update_ms").asDouble() > 0 && row.has("pie_speedup_vs_exact"), row.toString());
        double agreement = j.at("/agreement/pie_top1_agreement").asDouble();
        assertTrue(agreement >= 0 && agreement <= 1 && j.at("/agreement/edits").asInt() > 0, j.get("agreement").toString());
    }

    @Test
    void resolveRunsTheAgentsAndSaysHonestlyWhenItFails() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(new carto.agents.sandbox.CommandRunner(false).bubblewrapAvailable(), "bubblewrap is not installed");
        Path repo = Files.createDirectories(tmp.resolve("calc"));
        Files.writeString(repo.resolve("calc.py"), "def add(a, b):\n    return a - b\n");
        Files.writeString(repo.resolve("test_calc.py"), "from calc import add\n\n\ndef test_add():\n    assert add(2, 3) == 5\n");
        carto.agents.sandbox.Worktree.git(repo, "init", "-q");
        carto.agents.sandbox.Worktree.git(repo, "add", "-A");
        carto.agents.sandbox.Worktree.git(repo, "-c", "user.email=t@t", "-c", "user.name=t", "commit", "-q", "-m", "base");
        String data = tmp.resolve("data").toString();
        Run noModel = run("resolve", "--repo", repo.toString(), "--data", data, "add subtracts");
        assertEquals(2, noModel.code());
        assertTrue(noModel.err().contains("needs a model"), noModel.err());
        Run r = run("resolve", "--repo", repo.toString(), "--data", data, "--model",
                carto.inference.Fixtures.fixture("models/stories260K-f32.gguf").toString(), "--ctx", "512", "add is wrong");
        assertEquals(3, r.code(), r.err());
        assertTrue(r.err().contains("== Classifying the issue"), r.err());
        assertTrue(r.err().contains("Not resolved"), r.err());
        assertEquals("", r.out(), "no diff is printed when there is no patch");
        assertEquals("def add(a, b):\n    return a - b\n", Files.readString(repo.resolve("calc.py")), "the user's files are untouched");
    }

    @Test
    void evalIssuesReportsPerTaskVerdictsAsJson() throws Exception {
        Path dataset = carto.inference.Fixtures.shared().resolve("datasets/quixbugs");
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isDirectory(dataset), "../shared/datasets/quixbugs is absent");
        org.junit.jupiter.api.Assumptions.assumeTrue(new carto.agents.sandbox.CommandRunner(false).bubblewrapAvailable(), "bubblewrap is not installed");
        Run r = run("eval", "issues", "--dataset", dataset.toString(), "--filter", "python/gcd", "--data", tmp.resolve("data").toString(),
                "--work", tmp.resolve("work").toString(), "--timeout", "60", "--model",
                carto.inference.Fixtures.fixture("models/stories260K-f32.gguf").toString(), "--ctx", "512");
        assertEquals(0, r.code(), r.err());
        var report = Json.MAPPER.readTree(r.out());
        assertEquals(1, report.path("tasks").asInt());
        assertEquals(0, report.path("resolved").asInt());
        assertEquals("quixbugs/python/gcd", report.path("verdicts").get(0).path("id").asText());
        assertFalse(report.path("verdicts").get(0).path("resolved").asBoolean());
        assertTrue(report.path("verdicts").get(0).path("failure").asText().length() > 0);
        assertTrue(report.path("completionTokens").asLong() > 0, "the real model generated");
        Run none = run("eval", "issues", "--dataset", dataset.toString(), "--filter", "no-such-task", "--data", tmp.resolve("data").toString(),
                "--model", carto.inference.Fixtures.fixture("models/stories260K-f32.gguf").toString());
        assertEquals(2, none.code());
        assertTrue(none.err().contains("no task"), none.err());
    }

    @Test
    void summarizeWritesTheOverviewAndReusesStoredSummaries() throws Exception {
        Path repo = Files.createDirectories(tmp.resolve("tool"));
        Files.createDirectories(repo.resolve("core"));
        Files.writeString(repo.resolve("README.md"), "# Tool\n\nAdds numbers.\n");
        Files.writeString(repo.resolve("core/add.py"), "def add(a, b):\n    return a + b\n");
        Files.writeString(repo.resolve("cli.py"), "from core.add import add\n\n\ndef main():\n    print(add(1, 2))\n");
        String data = tmp.resolve("data").toString();
        String model = carto.inference.Fixtures.fixture("models/stories260K-f32.gguf").toString();
        Path out = tmp.resolve("overview.md");
        Run r = run("summarize", "--repo", repo.toString(), "--data", data, "--model", model, "--ctx", "512", "--max-tokens", "24", "--out", out.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.err().contains("model calls"), r.err());
        String md = Files.readString(out);
        assertTrue(md.contains("## Architecture") && md.contains("`(root)` → `core`") || md.contains("## Architecture"), md);
        assertTrue(md.contains("`main` in [cli.py:4-5](cli.py#L4-L5)"), md);
        assertTrue(md.contains("- file [core/add.py](core/add.py): "), md);
        Run again = run("summarize", "--repo", repo.toString(), "--data", data, "--model", model, "--ctx", "512", "--max-tokens", "24", "--out", out.toString());
        assertTrue(again.err().contains(": 0 model calls"), again.err());
        Run tooMany = run("summarize", "--repo", repo.toString(), "--data", data, "--model", model, "--force", "--max-calls", "1");
        assertEquals(2, tooMany.code());
        assertTrue(tooMany.err().contains("--yes"), tooMany.err());
        Run badScope = run("summarize", "--repo", repo.toString(), "--data", data, "--model", model, "--scope", "galaxy");
        assertEquals(2, badScope.code());
        assertTrue(badScope.err().contains("repository, directory, file, symbol"), badScope.err());
    }

    @Test
    void evalSummariesPrintsTheMetrics() throws Exception {
        Path dataset = carto.inference.Fixtures.shared().resolve("datasets/summarization");
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isDirectory(dataset), "../shared/datasets/summarization is absent");
        Run r = run("eval", "summaries", "--dataset", dataset.toString(), "--limit", "3", "--predictions", "--model",
                carto.inference.Fixtures.fixture("models/stories260K-f32.gguf").toString(), "--ctx", "512");
        assertEquals(0, r.code(), r.err());
        var report = Json.MAPPER.readTree(r.out());
        assertEquals(6, report.path("all").path("rows").asInt());
        assertEquals(3, report.path("bySplit").path("mce").path("rows").asInt());
        for (String m : List.of("bleu4", "rougeL", "meteor")) {
            double v = report.path("all").path(m).asDouble(-1);
            assertTrue(v >= 0 && v <= 1, m + " = " + v);
        }
        assertEquals(6, report.path("predictions").size());
        assertTrue(report.path("completionTokens").asLong() > 0);
    }
}
