package carto.agents.eval;

import carto.agents.llm.Trace;
import carto.agents.resolve.IssueRequest;
import carto.agents.resolve.IssueResolver;
import carto.agents.resolve.Resolution;
import carto.agents.sandbox.CommandResult;
import carto.agents.sandbox.CommandRunner;
import carto.agents.sandbox.Limits;
import carto.agents.sandbox.SandboxException;
import carto.agents.sandbox.Worktree;
import carto.graph.KnowledgeGraph;
import carto.graph.RepositoryInfo;
import carto.ingest.IngestListener;
import carto.ingest.IngestOptions;
import carto.ingest.Ingestor;
import carto.inference.lm.CancelToken;
import carto.inference.lm.LanguageModel;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Runs issue-resolution tasks end to end (ingest, resolve, then an independent verdict: the
 * task's own test command on the patched base commit in a fresh worktree) and reports what
 * came out.
 */
public final class IssueEval {
    /** One task's outcome: the independent verdict, what the agent claimed, tokens and time. */
    public record Verdict(String id, boolean resolved, boolean agentClaimedResolved, String issueType, String failure, List<String> failingTests,
                          int promptTokens, int completionTokens, long millis, String diff) {}

    /** All tasks: how many were resolved, per-task verdicts, tokens and time. */
    public record Report(String dataset, String model, int tasks, int resolved, double resolvedRate, long promptTokens, long completionTokens,
                         long millis, List<Verdict> verdicts) {}

    private IssueEval() {}

    public static Report run(String dataset, List<IssueTasks.Task> tasks, KnowledgeGraph kg, LanguageModel model, IssueResolver.Config config,
                             int candidates, Duration commandTimeout, Consumer<String> progress) throws IOException {
        long t0 = System.currentTimeMillis();
        IssueResolver resolver = new IssueResolver(model, kg.tools(), config);
        Map<Path, RepositoryInfo> ingested = new HashMap<>();
        List<Verdict> verdicts = new ArrayList<>();
        long prompt = 0, completion = 0;
        for (IssueTasks.Task task : tasks) {
            progress.accept("task " + task.id());
            RepositoryInfo repo = ingested.get(task.repo());
            if (repo == null) {
                var summary = new Ingestor(kg.graph(), kg.index()).ingest(task.repo(), IngestOptions.defaults(), IngestListener.NONE);
                repo = kg.graph().repository(summary.repoId()).orElseThrow();
                ingested.put(task.repo(), repo);
            }
            IssueRequest req = new IssueRequest(task.title(), task.body(), List.of(), null, IssueRequest.Checks.DEFAULT, null, null,
                    task.regressionCommand(), candidates, task.baseCommit(), 300_000, commandTimeout);
            Trace trace = new Trace(s -> {
                if (s.kind().equals("phase") || s.kind().equals("check")) progress.accept("  " + s.phase() + ": " + s.title());
            });
            Resolution r;
            try {
                r = resolver.resolve(repo, req, trace, CancelToken.none());
            } catch (SandboxException e) {
                verdicts.add(new Verdict(task.id(), false, false, null, e.getMessage(), List.of(), trace.promptTokens(), trace.completionTokens(), 0, ""));
                continue;
            }
            Verdict v = judge(task, r, config.runner(), config.limits().withTimeout(commandTimeout));
            verdicts.add(v);
            prompt += r.promptTokens();
            completion += r.completionTokens();
            progress.accept("  verdict: " + (v.resolved() ? "resolved" : "not resolved" + (v.failure() != null ? " (" + v.failure() + ")" : "")));
        }
        int resolved = (int) verdicts.stream().filter(Verdict::resolved).count();
        return new Report(dataset, model.name(), tasks.size(), resolved, tasks.isEmpty() ? 0 : (double) resolved / tasks.size(), prompt, completion,
                System.currentTimeMillis() - t0, verdicts);
    }

    /** The task's own test command on the patch, in a fresh worktree of the base commit. */
    public static Verdict judge(IssueTasks.Task task, Resolution r, CommandRunner runner, Limits limits) {
        String type = r.type() == null ? null : r.type().id();
        if (r.diff() == null || r.diff().isBlank()) {
            return new Verdict(task.id(), false, r.resolved(), type, r.failure() != null ? r.failure() : "no patch", List.of(), r.promptTokens(),
                    r.completionTokens(), r.millis(), "");
        }
        try (Worktree wt = Worktree.create(task.repo(), task.baseCommit(), task.repo().getParent().resolve(".carto-eval-worktrees"))) {
            wt.apply(r.diff());
            CommandResult c = runner.run(task.verdictCommand(), wt.dir(), limits);
            List<String> failing = c.ok() ? List.of() : carto.agents.resolve.TestOutput.failingTests(c.output());
            return new Verdict(task.id(), c.ok(), r.resolved(), type, c.ok() ? null : "the task's tests fail on the patch" + (c.timedOut() ? " (timed out)" : ""),
                    failing, r.promptTokens(), r.completionTokens(), r.millis(), r.diff());
        } catch (SandboxException e) {
            return new Verdict(task.id(), false, r.resolved(), type, "the patch could not be checked: " + e.getMessage(), List.of(), r.promptTokens(),
                    r.completionTokens(), r.millis(), r.diff());
        }
    }
}
