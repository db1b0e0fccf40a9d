package carto.agents.resolve;

import carto.agents.llm.Agent;
import carto.agents.llm.Tool;
import carto.agents.llm.Toolbox;
import carto.agents.llm.Trace;
import carto.agents.resolve.Resolution.Candidate;
import carto.agents.resolve.Resolution.Check;
import carto.agents.resolve.Resolution.Citation;
import carto.agents.resolve.Resolution.Status;
import carto.agents.sandbox.BuildTool;
import carto.agents.sandbox.CommandResult;
import carto.agents.sandbox.CommandRunner;
import carto.agents.sandbox.Limits;
import carto.agents.sandbox.Worktree;
import carto.agents.tools.FunctionTool;
import carto.agents.tools.GraphToolset;
import carto.agents.tools.Schema;
import carto.agents.tools.WorkspaceTools;
import carto.graph.GraphException;
import carto.graph.RepositoryInfo;
import carto.graph.tools.GraphTools;
import carto.inference.lm.CancelToken;
import carto.inference.lm.GenerationOptions;
import carto.inference.lm.LanguageModel;
import carto.inference.lm.ToolCall;
import carto.inference.sample.SamplingParams;
import com.fasterxml.jackson.databind.JsonNode;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static carto.agents.tools.Schema.opt;
import static carto.agents.tools.Schema.req;

/**
 * Resolves an issue against an ingested repository, the way Prometheus does and with execution
 * at every step: classify it; gather context with the graph tools; for a question, answer with
 * checked citations; otherwise, in a throw-away worktree, write a reproduction test that must
 * fail on the base commit, edit until it passes, or (without one) generate several candidate
 * patches, deduplicate them and let the regression tests and then the model choose; finally
 * verify the chosen patch from a clean worktree and report every check.
 */
public final class IssueResolver {
    /** Where worktrees go, how commands run, the generation settings and the step limit per agent. */
    public record Config(Path worktrees, CommandRunner runner, Limits limits, GenerationOptions options, int maxSteps) {
        public Config {
            options = options == null ? GenerationOptions.greedy(1024) : options;
            limits = limits == null ? Limits.DEFAULT : limits;
            if (maxSteps < 1) maxSteps = 16;
        }
    }

    private static final Pattern RANGE = Pattern.compile("^\\s*`?([^:`\\s][^:`]*?)(?::(\\d+)(?:\\s*-\\s*(\\d+))?)?`?\\s*$");
    private static final int MAX_CONTEXT_LINES = 160;

    private final LanguageModel model;
    private final GraphTools graph;
    private final Config config;

    public IssueResolver(LanguageModel model, GraphTools graph, Config config) {
        this.model = model;
        this.graph = graph;
        this.config = config;
    }

    /** Resolves {@code request} for {@code repo}; progress goes to {@code trace}; {@code cancel} stops it between steps. */
    public Resolution resolve(RepositoryInfo repo, IssueRequest request, Trace trace, CancelToken cancel) {
        long t0 = System.currentTimeMillis();
        Run run = new Run(repo, request, trace, cancel, new Agent.Budget(request.maxTokens()), t0);
        Agent agent = run.agent(config.options());
        try {
            phase(trace, "classify", "Classifying the issue");
            IssueType type = request.type() != null ? request.type() : classify(agent, request.text());
            trace.note("classify", "issue type: " + type.id(), request.type() != null ? "given by the request" : "classified by the model");
            run.type = type;
            // a patch needs the sandbox: find out before context retrieval spends tokens
            if (type != IssueType.QUESTION) config.runner().requireUsable();
            phase(trace, "context", "Gathering context from the knowledge graph");
            run.context = retrieveContext(agent, run);
            if (type == IssueType.QUESTION) return answer(agent, run);
            return patch(run);
        } catch (Agent.ModelUnavailable e) {
            trace.add("error", "error", "model unavailable", e.getMessage(), null, null, null, true, 0, 0, 0);
            return run.failed(e.getMessage());
        }
    }

    /** The state of one resolution. */
    private final class Run {
        final RepositoryInfo repo;
        final IssueRequest request;
        final Trace trace;
        final CancelToken cancel;
        final Agent.Budget budget;
        final long t0;
        IssueType type;
        Context context;

        Run(RepositoryInfo repo, IssueRequest request, Trace trace, CancelToken cancel, Agent.Budget budget, long t0) {
            this.repo = repo;
            this.request = request;
            this.trace = trace;
            this.cancel = cancel;
            this.budget = budget;
            this.t0 = t0;
        }

        Agent agent(GenerationOptions options) {
            return new Agent(model, trace, budget, cancel, options);
        }

        Resolution failed(String why) {
            return new Resolution(false, type, repo.commit(), "", List.of(), "Not resolved: " + why, List.of(), List.of(), why,
                    trace.promptTokens(), trace.completionTokens(), System.currentTimeMillis() - t0);
        }
    }

    /** Code the agents were shown: ranges with their text, and the retriever's own summary. */
    record Context(List<Citation> ranges, String text, String summary) {}

    // ---- classification ---------------------------------------------------------------------

    IssueType classify(Agent agent, String issue) {
        String answer = agent.ask("classify", "You triage issues of a software repository.",
                "Classify this issue as exactly one word: bug, feature, documentation or question.\n\n" + clip(issue, 1500) + "\n\nAnswer with one word.");
        String a = answer == null ? "" : answer.toLowerCase(Locale.ROOT);
        int best = Integer.MAX_VALUE;
        IssueType type = null;
        for (var e : Map.of("bug", IssueType.BUG, "feature", IssueType.FEATURE, "documentation", IssueType.DOCUMENTATION, "docs", IssueType.DOCUMENTATION,
                "question", IssueType.QUESTION).entrySet()) {
            Matcher m = Pattern.compile("\\b" + e.getKey() + "\\b").matcher(a);
            if (m.find() && m.start() < best) {
                best = m.start();
                type = e.getValue();
            }
        }
        return type != null ? type : guessType(issue);
    }

    /** When the model's answer names no type: the issue's own words decide. */
    static IssueType guessType(String issue) {
        String t = issue.toLowerCase(Locale.ROOT);
        if (t.matches("(?s).*\\b(error|exception|crash|fails?|wrong|incorrect|broken|bug|returns?)\\b.*")) return IssueType.BUG;
        if (t.matches("(?s)^\\s*(title: )?(how|why|what|where|when|which|is|are|does|can)\\b.*") || t.strip().endsWith("?")) return IssueType.QUESTION;
        if (t.matches("(?s).*\\b(readme|documentation|docs|javadoc|docstring|typo)\\b.*")) return IssueType.DOCUMENTATION;
        if (t.matches("(?s).*\\b(add|support|allow|implement|feature|new option)\\b.*")) return IssueType.FEATURE;
        return IssueType.BUG;
    }

    // ---- context retrieval --------------------------------------------------------------------

    Context retrieveContext(Agent agent, Run run) {
        List<Tool> tools = new ArrayList<>(GraphToolset.create(graph, run.repo.id()));
        tools.add(new FunctionTool("report_context", "Finish: report the code that matters for the issue, as file ranges.",
                Schema.object(req("ranges", "array", "file ranges like \"src/a/B.java:10-40\""), opt("summary", "string", "what you found and why it matters")),
                a -> validateRanges(run.repo.id(), a.path("ranges")).isEmpty()
                        ? fail("none of the ranges names a file of the repository; use find_file to get paths right") : "ok"));
        String system = "You find the code an issue is about in repository " + run.repo.name() + ". Explore with the tools (search, find_file, "
                + "outline, definitions, callers, read_code) and refine until you have the functions to change and the tests that cover them. "
                + "Then call report_context with the file ranges.";
        Agent.Outcome o = agent.run("context", system, "Issue:\n" + clip(run.request.text(), 6000), new Toolbox(tools), Set.of("report_context"),
                Math.max(4, config.maxSteps() / 2));
        List<Citation> ranges = new ArrayList<>();
        String summary = "";
        if (o.finished() && o.finish() != null) {
            JsonNode a = args(o.finish());
            ranges.addAll(validateRanges(run.repo.id(), a.path("ranges")));
            summary = a.path("summary").asText("");
        } else {
            run.trace.note("context", "context retrieval did not finish", o.failure() + "; falling back to a full-text search of the issue");
        }
        if (ranges.isEmpty()) ranges.addAll(searchFallback(run));
        StringBuilder text = new StringBuilder();
        int budgetChars = Math.max(2000, model.contextLength() * 3 / 2);
        for (Citation c : ranges) {
            try {
                var code = graph.readCode(run.repo.id(), c.path(), c.startLine(), Math.min(c.endLine(), c.startLine() + MAX_CONTEXT_LINES - 1));
                String block = "--- " + c.path() + " lines " + code.startLine() + "-" + code.endLine() + " of " + code.totalLines() + "\n" + code.text() + "\n";
                if (text.length() + block.length() > budgetChars) break;
                text.append(block);
            } catch (GraphException | IllegalArgumentException e) {
                // a range the graph cannot serve is left out
            }
        }
        run.trace.note("context", "context: " + ranges.size() + " ranges", String.join("\n", ranges.stream().map(Citation::toString).toList()));
        return new Context(List.copyOf(ranges), text.toString(), summary);
    }

    private List<Citation> searchFallback(Run run) {
        List<Citation> out = new ArrayList<>();
        String q = run.request.text().replaceAll("[^\\p{L}\\p{N}_]+", " ").strip();
        if (q.isEmpty()) return out;
        try {
            for (var h : graph.search(run.repo.id(), clip(q, 400), null, null, null, 8)) {
                if (h.path() != null && out.stream().noneMatch(c -> c.path().equals(h.path()))) {
                    out.add(new Citation(h.path(), Math.max(1, h.startLine() - 5), h.endLine() + 20));
                }
            }
        } catch (GraphException | IllegalArgumentException e) {
            run.trace.note("context", "search failed", e.getMessage());
        }
        return out;
    }

    /** The ranges that name files of the repository, clamped to the file's lines. */
    List<Citation> validateRanges(String repoId, JsonNode ranges) {
        List<Citation> out = new ArrayList<>();
        List<String> items = new ArrayList<>();
        if (ranges.isArray()) ranges.forEach(r -> items.add(r.isObject() ? r.path("path").asText() + ":" + r.path("start_line").asText("1") + "-" + r.path("end_line").asText("") : r.asText()));
        else if (ranges.isTextual()) items.addAll(List.of(ranges.asText().split("[,\\n]")));
        for (String item : items) {
            Matcher m = RANGE.matcher(item.replaceAll("-$", ""));
            if (!m.matches()) continue;
            String path = m.group(1).strip();
            while (path.startsWith("./")) path = path.substring(2);
            var f = graph.findFile(repoId, path);
            if (f.isEmpty() || f.get().lines() <= 0) continue;
            int lines = f.get().lines();
            int s = m.group(2) == null ? 1 : Math.max(1, Integer.parseInt(m.group(2)));
            int e = m.group(3) == null ? (m.group(2) == null ? lines : s) : Integer.parseInt(m.group(3));
            if (s > lines) continue;
            out.add(new Citation(path, s, Math.max(s, Math.min(e, lines))));
        }
        return out;
    }

    // ---- questions ----------------------------------------------------------------------------

    private Resolution answer(Agent agent, Run run) {
        phase(run.trace, "answer", "Answering the question");
        List<Tool> tools = new ArrayList<>(GraphToolset.create(graph, run.repo.id()));
        tools.add(new FunctionTool("answer", "Finish: the answer, with the file ranges it rests on.",
                Schema.object(req("answer", "string", "the answer in plain language"), req("citations", "array", "file ranges like \"src/a/B.java:10-40\"")),
                a -> validateRanges(run.repo.id(), a.path("citations")).isEmpty()
                        ? fail("none of the citations names a file range of the repository; cite the code you read, as path:start-end") : "ok"));
        String system = "You answer questions about repository " + run.repo.name() + " from its code. Read the code with the tools before answering, "
                + "and cite the file ranges your answer rests on. Call answer when done.";
        Agent.Outcome o = agent.run("answer", system, "Question:\n" + clip(run.request.text(), 6000) + "\n\nCode found so far:\n" + run.context.text(),
                new Toolbox(tools), Set.of("answer"), config.maxSteps());
        if (!o.finished() || o.finish() == null) return run.failed("no grounded answer: " + o.failure());
        JsonNode a = args(o.finish());
        List<Citation> cites = validateRanges(run.repo.id(), a.path("citations"));
        String text = a.path("answer").asText("").strip();
        boolean ok = !text.isEmpty() && !cites.isEmpty();
        return new Resolution(ok, IssueType.QUESTION, run.repo.commit(), "", List.of(), text + (cites.isEmpty() ? ""
                : "\n\nSources: " + String.join(", ", cites.stream().map(Citation::toString).toList())), cites, List.of(),
                ok ? null : "the answer cites no code of the repository", run.trace.promptTokens(), run.trace.completionTokens(),
                System.currentTimeMillis() - run.t0);
    }

    // ---- patches ------------------------------------------------------------------------------

    private Resolution patch(Run run) {
        IssueRequest req = run.request;
        String base = req.baseCommit() != null ? req.baseCommit() : run.repo.commit() == null || run.repo.commit().isBlank() ? null : run.repo.commit();
        try (Worktree wt = Worktree.create(Path.of(run.repo.path()), base, config.worktrees())) {
            run.trace.note("setup", "worktree at " + wt.baseCommit().substring(0, Math.min(12, wt.baseCommit().length())), wt.dir().toString());
            String template = req.regressionCommand() != null && req.regressionCommand().contains("{tests}") ? req.regressionCommand() : null;
            BuildTool tool = BuildTool.detect(wt.dir(), req.buildCommand(), req.testCommand(), template);
            Limits limits = config.limits().withTimeout(req.commandTimeout());
            Set<String> changed = new LinkedHashSet<>();
            WorkspaceTools ws = new WorkspaceTools(wt.dir(), config.runner(), limits, changed::add);

            Repro repro = null;
            if (run.type == IssueType.BUG && req.checks().reproduction()) repro = reproduce(run, wt, ws, changed, limits);

            List<Candidate> candidates = new ArrayList<>();
            String chosen;
            String summary;
            if (repro != null) {
                EditResult e = editWithReproduction(run, wt, ws, changed, repro, limits);
                chosen = e.diff;
                summary = e.summary;
                candidates.add(new Candidate(0, e.diff, e.passed, e.passed ? "the reproduction test passes" : "the reproduction test still fails"));
            } else {
                EditResult e = candidates(run, wt, ws, changed, tool, limits, candidates);
                chosen = e.diff;
                summary = e.summary;
            }
            if (chosen == null || chosen.isBlank()) {
                List<Check> checks = List.of(repro != null ? repro.check : Check.notRun("reproduction", "no reproduction test"),
                        Check.notRun("regression", "no patch"), Check.notRun("build", "no patch"), Check.notRun("full_tests", "no patch"));
                return new Resolution(false, run.type, wt.baseCommit(), "", checks, "Not resolved: no patch was produced. " + (summary == null ? "" : summary),
                        List.of(), candidates, "no patch was produced", run.trace.promptTokens(), run.trace.completionTokens(), System.currentTimeMillis() - run.t0);
            }
            return verify(run, wt, tool, limits, chosen, repro, summary, candidates);
        }
    }

    /** A reproduction test that fails on the base commit: its files (kept out of the patch), the command, and the failing run. */
    private record Repro(Map<String, String> files, String command, Check check) {}

    private Repro reproduce(Run run, Worktree wt, WorkspaceTools ws, Set<String> changed, Limits limits) {
        phase(run.trace, "reproduce", "Writing a reproduction test");
        List<Tool> tools = new ArrayList<>(GraphToolset.create(graph, run.repo.id()));
        tools.addAll(ws.readTools());
        tools.addAll(ws.editTools());
        tools.add(ws.commandTool());
        tools.add(new FunctionTool("report_reproduction", "Finish: the test file that reproduces the issue and the command that runs it (it must fail now).",
                Schema.object(req("test_file", "string", "path of the reproduction test"), req("command", "string", "shell command that runs only that test")),
                a -> Files.isRegularFile(ws.resolve(a.path("test_file").asText())) ? "ok" : fail("there is no file " + a.path("test_file").asText() + "; create it first")));
        tools.add(new FunctionTool("cannot_reproduce", "Finish without a reproduction test, saying why.",
                Schema.object(req("reason", "string", "why no test can reproduce the issue")), a -> "ok"));
        String system = "You write a reproduction test for a bug in repository " + run.repo.name() + ": a small test, in the repository's own test "
                + "style and framework, that fails now because of the bug and will pass once it is fixed. Do not fix the bug. Create the test with "
                + "create_file, run it with run_command to see it fail, then call report_reproduction.";
        String user = "Issue:\n" + clip(run.request.text(), 4000) + "\n\nRelevant code:\n" + run.context.text()
                + (run.request.regressionCommand() != null && !run.request.regressionCommand().contains("{tests}")
                ? "\nExisting tests of this code run with: " + run.request.regressionCommand() : "");
        Agent.Outcome o = run.agent(config.options()).run("reproduce", system, user, new Toolbox(tools), Set.of("report_reproduction", "cannot_reproduce"), config.maxSteps());
        try {
            if (!o.finished() || o.finish() == null || !o.finish().name().equals("report_reproduction")) {
                run.trace.note("reproduce", "no reproduction test", o.finished() ? args(o.finish()).path("reason").asText("") : o.failure());
                return null;
            }
            JsonNode a = args(o.finish());
            String testFile = ws.resolve(a.path("test_file").asText()).toString().substring(wt.dir().toString().length() + 1);
            String command = a.path("command").asText();
            Map<String, String> files = new LinkedHashMap<>();
            for (String p : changed) {
                if (p.equals(testFile) || BuildTool.looksLikeTest(p)) files.put(p, Files.readString(wt.dir().resolve(p)));
            }
            if (!files.containsKey(testFile)) files.put(testFile, Files.readString(wt.dir().resolve(testFile)));
            // only the test stays: anything else the agent changed is undone before it runs on the base commit
            restore(wt, changed, files);
            CommandResult r = config.runner().run(command, wt.dir(), limits);
            run.trace.add("reproduce", "check", "reproduction test on the base commit", null, null, command, r.summary(), !r.ok(), 0, 0, r.time().toMillis());
            if (r.ok()) {
                run.trace.note("reproduce", "reproduction rejected", "the test passes on the unfixed code, so it does not reproduce the issue; going on without it");
                restore(wt, changed, Map.of());
                return null;
            }
            return new Repro(files, command, new Check("reproduction", Status.FAILED, command, r.summary(), TestOutput.failingTests(r.output()),
                    "fails on the base commit, as it should"));
        } catch (IOException e) {
            run.trace.note("reproduce", "reproduction test unreadable", e.getMessage());
            restore(wt, changed, Map.of());
            return null;
        }
    }

    private record EditResult(String diff, String summary, boolean passed) {}

    private static final String EDIT_SYSTEM = "You fix issues in repository %s. Read the code, then change it with edit_file (search/replace: "
            + "old_text must match the file exactly once). Make the smallest change that resolves the issue; keep the code style. You may run "
            + "tests with run_command. When the change is complete, call submit_patch with a short summary.";

    private List<Tool> editTools(Run run, WorkspaceTools ws) {
        List<Tool> tools = new ArrayList<>(GraphToolset.create(graph, run.repo.id()));
        tools.addAll(ws.readTools());
        tools.addAll(ws.editTools());
        tools.add(ws.commandTool());
        tools.add(new FunctionTool("submit_patch", "Finish: your change is complete.", Schema.object(req("summary", "string", "what you changed and why")), a -> "ok"));
        return tools;
    }

    private EditResult editWithReproduction(Run run, Worktree wt, WorkspaceTools ws, Set<String> changed, Repro repro, Limits limits) {
        int attempts = Math.max(1, Math.min(3, run.request.candidates()));
        String feedback = "";
        String diff = "";
        String summary = null;
        boolean passed = false;
        for (int i = 1; i <= attempts && !passed; i++) {
            phase(run.trace, "edit", "Editing (attempt " + i + " of " + attempts + ")");
            String user = "Issue:\n" + clip(run.request.text(), 4000) + "\n\nRelevant code:\n" + run.context.text()
                    + "\nReproduction test (fails now): " + String.join(", ", repro.files.keySet()) + ", run with: " + repro.command
                    + "\nIts failure:\n" + clip(repro.check.log(), 1500) + feedback;
            Agent.Outcome o = run.agent(config.options()).run("edit", EDIT_SYSTEM.formatted(run.repo.name()), user, new Toolbox(editTools(run, ws)), Set.of("submit_patch"), config.maxSteps());
            if (o.finish() != null) summary = args(o.finish()).path("summary").asText(null);
            diff = patchOf(wt, changed, repro.files.keySet());
            if (diff.isBlank()) {
                feedback = "\n\nYour previous attempt changed nothing" + (o.failure() != null ? " (" + o.failure() + ")" : "") + ". Edit the code with edit_file.";
                continue;
            }
            CommandResult r = config.runner().run(repro.command, wt.dir(), limits);
            passed = r.ok();
            run.trace.add("edit", "check", "reproduction test after attempt " + i, null, null, repro.command, r.summary(), !passed, 0, 0, r.time().toMillis());
            if (!passed) {
                feedback = "\n\nYour previous change (kept in the working copy) did not fix it; the reproduction test still fails:\n" + clip(r.summary(), 2000)
                        + "\nThe change so far:\n" + clip(diff, 2000);
            }
        }
        return new EditResult(diff, summary, passed);
    }

    /** Without a reproduction test: several independent patches, deduplicated, judged by the regression tests, then by the model. */
    private EditResult candidates(Run run, Worktree wt, WorkspaceTools ws, Set<String> changed, BuildTool tool, Limits limits, List<Candidate> out) {
        int n = run.type == IssueType.DOCUMENTATION ? 1 : run.request.candidates();
        Map<String, String> unique = new LinkedHashMap<>(); // normalized -> diff
        Map<String, String> summaries = new LinkedHashMap<>();
        for (int i = 0; i < n; i++) {
            phase(run.trace, "edit", "Writing candidate patch " + (i + 1) + " of " + n);
            restore(wt, changed, Map.of());
            GenerationOptions opts = i == 0 ? config.options()
                    : new GenerationOptions(config.options().maxTokens(), SamplingParams.of(0.7, 1000L + i), config.options().stop());
            String user = "Issue:\n" + clip(run.request.text(), 4000) + "\n\nRelevant code:\n" + run.context.text()
                    + (run.context.summary().isBlank() ? "" : "\nNotes from exploring the code: " + run.context.summary());
            Agent.Outcome o = run.agent(opts).run("edit", EDIT_SYSTEM.formatted(run.repo.name()), user, new Toolbox(editTools(run, ws)), Set.of("submit_patch"), config.maxSteps());
            String diff = patchOf(wt, changed, Set.of());
            if (diff.isBlank()) {
                out.add(new Candidate(i, "", false, "no change" + (o.failure() != null ? ": " + o.failure() : "")));
                continue;
            }
            String key = normalize(diff);
            if (unique.containsKey(key)) {
                out.add(new Candidate(i, diff, false, "same as an earlier candidate"));
                continue;
            }
            unique.put(key, diff);
            summaries.put(key, o.finish() != null ? args(o.finish()).path("summary").asText(null) : null);
        }
        if (unique.isEmpty()) return new EditResult("", null, false);
        List<String> passing = new ArrayList<>();
        List<String> keys = new ArrayList<>(unique.keySet());
        for (String key : keys) {
            String diff = unique.get(key);
            restore(wt, changed, Map.of());
            wt.apply(diff);
            String cmd = regressionCommand(run, tool, wt, changedPaths(diff), Set.of());
            boolean ok;
            String verdict;
            if (cmd == null || !run.request.checks().regression()) {
                ok = true;
                verdict = "kept (no regression tests to run)";
            } else {
                CommandResult r = config.runner().run(cmd, wt.dir(), limits);
                ok = r.ok();
                run.trace.add("edit", "check", "regression tests for candidate " + (keys.indexOf(key) + 1), null, null, cmd, r.summary(), !ok, 0, 0, r.time().toMillis());
                verdict = ok ? "regression tests pass" : "regression tests fail: " + String.join(", ", TestOutput.failingTests(r.output()));
            }
            if (ok) passing.add(key);
            out.add(new Candidate(out.size(), diff, ok, verdict));
        }
        restore(wt, changed, Map.of());
        List<String> pool = passing.isEmpty() ? keys : passing;
        String pick = pool.size() == 1 ? pool.getFirst() : choose(run, pool, unique);
        return new EditResult(unique.get(pick), summaries.get(pick), passing.contains(pick));
    }

    /** The model picks among patches that the tests could not tell apart; the smallest wins when it cannot say. */
    private String choose(Run run, List<String> pool, Map<String, String> unique) {
        phase(run.trace, "choose", "Choosing among " + pool.size() + " candidate patches");
        StringBuilder sb = new StringBuilder("Issue:\n" + clip(run.request.text(), 3000) + "\n\nCandidate patches:\n");
        for (int i = 0; i < pool.size(); i++) sb.append("\n### Patch ").append(i + 1).append("\n").append(clip(unique.get(pool.get(i)), 3000)).append('\n');
        sb.append("\nWhich patch resolves the issue best? Answer with its number only.");
        String smallest = pool.stream().min((x, y) -> Integer.compare(x.length(), y.length())).orElseThrow();
        try {
            String a = run.agent(config.options()).ask("choose", "You review patches.", sb.toString());
            Matcher m = Pattern.compile("\\d+").matcher(a == null ? "" : a);
            if (m.find()) {
                int k = Integer.parseInt(m.group()) - 1;
                if (k >= 0 && k < pool.size()) return pool.get(k);
            }
        } catch (Agent.ModelUnavailable e) {
            run.trace.note("choose", "the model could not choose", e.getMessage());
        }
        return smallest;
    }

    /** Verifies the chosen patch from a clean worktree: reproduction, regression, build, full tests. */
    private Resolution verify(Run run, Worktree wt, BuildTool tool, Limits limits, String diff, Repro repro, String summary, List<Candidate> candidates) {
        phase(run.trace, "verify", "Verifying the patch from a clean worktree");
        IssueRequest req = run.request;
        wt.reset();
        wt.apply(diff);
        List<Check> checks = new ArrayList<>();
        if (repro != null) {
            writeFiles(wt, repro.files);
            checks.add(runCheck(run, "reproduction", repro.command, wt, limits));
        } else {
            checks.add(Check.notRun("reproduction", run.type != IssueType.BUG ? "not a bug"
                    : req.checks().reproduction() ? "no reproduction test could be made that fails on the base commit" : "not requested"));
        }
        if (req.checks().regression()) {
            String cmd = regressionCommand(run, tool, wt, changedPaths(diff), repro == null ? Set.of() : repro.files.keySet());
            checks.add(cmd == null ? Check.notRun("regression", "no test of the changed code was found and no test command was given")
                    : runCheck(run, "regression", cmd, wt, limits));
        } else checks.add(Check.notRun("regression", "not requested"));
        if (req.checks().build()) {
            checks.add(tool.buildCommand() == null ? Check.notRun("build", "no build command detected for this repository; give build_command")
                    : runCheck(run, "build", tool.buildCommand(), wt, limits));
        } else checks.add(Check.notRun("build", "not requested"));
        if (req.checks().fullTests()) {
            checks.add(tool.testCommand() == null ? Check.notRun("full_tests", "no test command detected for this repository; give test_command")
                    : runCheck(run, "full_tests", tool.testCommand(), wt, limits));
        } else checks.add(Check.notRun("full_tests", "not requested"));
        boolean anyFailed = checks.stream().anyMatch(c -> c.status() == Status.FAILED);
        boolean anyPassed = checks.stream().anyMatch(c -> c.status() == Status.PASSED);
        boolean resolved = !anyFailed && (anyPassed || run.type == IssueType.DOCUMENTATION);
        StringBuilder response = new StringBuilder();
        response.append(resolved ? "Resolved" : "Not resolved").append(" (").append(run.type.id()).append("). ");
        if (summary != null && !summary.isBlank()) response.append(summary.strip()).append(' ');
        for (Check c : checks) {
            if (c.status() == Status.NOT_RUN) continue;
            response.append("\n- ").append(c.name()).append(": ").append(c.status().name().toLowerCase(Locale.ROOT).replace('_', ' '));
            if (c.status() == Status.FAILED && !c.failingTests().isEmpty()) response.append(" (failing: ").append(String.join(", ", c.failingTests())).append(')');
        }
        if (!anyPassed && !anyFailed) response.append("\nNo check could run, so the patch is unverified.");
        String failure = resolved ? null : anyFailed ? "checks failed: " + String.join(", ", checks.stream().filter(c -> c.status() == Status.FAILED)
                .map(c -> c.name() + (c.failingTests().isEmpty() ? "" : " (" + String.join(", ", c.failingTests()) + ")")).toList()) : "the patch could not be verified by any test";
        run.trace.note("done", resolved ? "resolved" : "not resolved", response.toString());
        return new Resolution(resolved, run.type, wt.baseCommit(), diff, List.copyOf(checks), response.toString().strip(), List.of(), List.copyOf(candidates),
                failure, run.trace.promptTokens(), run.trace.completionTokens(), System.currentTimeMillis() - run.t0);
    }

    private Check runCheck(Run run, String name, String command, Worktree wt, Limits limits) {
        CommandResult r = config.runner().run(command, wt.dir(), limits);
        run.trace.add("verify", "check", name + (r.ok() ? " passed" : " failed"), null, null, command, r.summary(), !r.ok(), 0, 0, r.time().toMillis());
        return new Check(name, r.ok() ? Status.PASSED : Status.FAILED, command, r.summary(), r.ok() ? List.of() : TestOutput.failingTests(r.output()),
                r.timedOut() ? "timed out" : r.truncated() ? "output truncated" : null);
    }

    /**
     * The command for the tests that exercise {@code files}: test files that import them, that are
     * named after them, or that reference what they define (from the graph); the request's own
     * command when it gave one.
     */
    String regressionCommand(Run run, BuildTool tool, Worktree wt, List<String> files, Set<String> exclude) {
        String given = run.request.regressionCommand();
        if (given != null && !given.contains("{tests}")) return given;
        Set<String> tests = new LinkedHashSet<>();
        String repo = run.repo.id();
        for (String f : files) {
            if (BuildTool.looksLikeTest(f)) continue;
            String base = f.substring(f.lastIndexOf('/') + 1);
            String stem = base.contains(".") ? base.substring(0, base.indexOf('.')) : base;
            try {
                graph.imports(repo, f).importedBy().stream().map(GraphTools.FileHit::path).filter(BuildTool::looksLikeTest).forEach(tests::add);
                if (stem.length() >= 3) {
                    graph.findFilesByPathFragment(repo, stem, 50).stream().map(GraphTools.FileHit::path)
                            .filter(p -> BuildTool.looksLikeTest(p) && p.substring(p.lastIndexOf('/') + 1).toLowerCase(Locale.ROOT).contains(stem.toLowerCase(Locale.ROOT)))
                            .forEach(tests::add);
                }
                for (var def : graph.outline(repo, f).stream().filter(h -> h.name() != null).limit(12).toList()) {
                    graph.references(repo, def.name(), 40).stream().map(r -> r.from() == null ? null : r.from().path())
                            .filter(p -> p != null && BuildTool.looksLikeTest(p)).forEach(tests::add);
                }
            } catch (GraphException | IllegalArgumentException e) {
                // a file the graph does not know (new in the patch) contributes no tests
            }
        }
        tests.removeAll(exclude);
        // a test in another language (QuixBugs' Java twin of a Python program) does not test this change
        Set<carto.ingest.lang.Language> languages = new java.util.HashSet<>();
        for (String f : files) languages.add(carto.ingest.lang.LanguageDetector.detect(f.substring(f.lastIndexOf('/') + 1), null));
        tests.removeIf(t -> !languages.contains(carto.ingest.lang.LanguageDetector.detect(t.substring(t.lastIndexOf('/') + 1), null)));
        List<String> ids = new ArrayList<>();
        for (String t : tests.stream().limit(20).toList()) {
            String source = null;
            try {
                source = Files.readString(wt.dir().resolve(t));
            } catch (IOException e) {
                continue; // not in this worktree
            }
            String id = tool.testId(t, source);
            if (!ids.contains(id)) ids.add(id);
        }
        String cmd = tool.commandFor(ids);
        run.trace.note("regression", cmd == null ? "no regression tests selected" : "regression tests: " + String.join(", ", ids), cmd);
        return cmd;
    }

    // ---- helpers ------------------------------------------------------------------------------

    private static String patchOf(Worktree wt, Set<String> changed, Set<String> exclude) {
        List<String> paths = changed.stream().filter(p -> !exclude.contains(p)).toList();
        return wt.diff(paths);
    }

    /** Back to the base commit, then these files written again. */
    private static void restore(Worktree wt, Set<String> changed, Map<String, String> keep) {
        wt.reset();
        changed.clear();
        writeFiles(wt, keep);
    }

    private static void writeFiles(Worktree wt, Map<String, String> files) {
        for (var e : files.entrySet()) {
            try {
                Path p = wt.dir().resolve(e.getKey());
                Files.createDirectories(p.getParent());
                Files.writeString(p, e.getValue());
            } catch (IOException ex) {
                throw new carto.agents.sandbox.SandboxException("cannot write " + e.getKey() + " into the worktree: " + ex.getMessage(), ex);
            }
        }
    }

    static List<String> changedPaths(String diff) {
        List<String> out = new ArrayList<>();
        Matcher m = Pattern.compile("(?m)^diff --git a/(\\S+) b/(\\S+)$").matcher(diff);
        while (m.find()) if (!out.contains(m.group(2))) out.add(m.group(2));
        return out;
    }

    /** A diff reduced to what it changes: file names and +/- lines without trailing blanks; hunk positions and index lines dropped. */
    static String normalize(String diff) {
        StringBuilder sb = new StringBuilder();
        for (String l : diff.split("\n")) {
            if (l.startsWith("diff --git") || l.startsWith("+++ ") || l.startsWith("--- ")) {
                if (l.startsWith("+++ ")) sb.append("F ").append(l.substring(4).strip()).append('\n');
                continue;
            }
            if (l.startsWith("+") || l.startsWith("-")) {
                String body = l.substring(1).strip();
                if (!body.isEmpty()) sb.append(l.charAt(0)).append(body.replaceAll("\\s+", " ")).append('\n');
            }
        }
        return sb.toString();
    }

    private static void phase(Trace trace, String phase, String title) {
        trace.add(phase, "phase", title, null, null, null, null, false, 0, 0, 0);
    }

    private static JsonNode args(ToolCall call) {
        try {
            return carto.agents.llm.TextToolProtocol.readArguments(call.argumentsJson());
        } catch (RuntimeException e) {
            return com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode();
        }
    }

    private static String fail(String message) {
        throw new carto.agents.llm.ToolException(message);
    }

    static String clip(String s, int max) {
        if (s == null) return "";
        return s.length() <= max ? s : s.substring(0, max) + "\n[... " + (s.length() - max) + " more characters]";
    }
}
