package carto.api.cli;

import carto.agents.llm.Trace;
import carto.agents.resolve.IssueRequest;
import carto.agents.resolve.IssueResolver;
import carto.agents.resolve.IssueType;
import carto.agents.resolve.Resolution;
import carto.agents.sandbox.CommandRunner;
import carto.agents.sandbox.Limits;
import carto.api.Json;
import carto.graph.KnowledgeGraph;
import carto.graph.RepositoryInfo;
import carto.ingest.IngestOptions;
import carto.ingest.IngestSummary;
import carto.inference.lm.GenerationOptions;
import carto.inference.lm.LanguageModel;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

@Command(name = "resolve", description = "Resolve an issue in a repository: ingest it, let the agents write and test a patch in a sandboxed worktree, "
        + "print the diff (exit code 0 when resolved, 3 when not).")
public final class ResolveCommand implements Callable<Integer> {
    @Parameters(paramLabel = "ISSUE", arity = "0..*", description = "The issue text (or use --issue-file).")
    List<String> text;

    @Option(names = "--repo", paramLabel = "PATH", defaultValue = ".", description = "The repository (a git working copy; default: the current folder).")
    Path repo;

    @Option(names = "--title", paramLabel = "TEXT", description = "The issue's title.")
    String title;

    @Option(names = "--issue-file", paramLabel = "FILE", description = "Read the issue text from a file ('-' for standard input).")
    String issueFile;

    @Option(names = "--type", defaultValue = "auto", description = "bug, feature, documentation, question or auto (default ${DEFAULT-VALUE}).")
    String type;

    @Option(names = "--checks", split = ",", paramLabel = "CHECK", defaultValue = "reproduction,regression",
            description = "Checks to run: reproduction, regression, build, full_tests (default ${DEFAULT-VALUE}).")
    List<String> checks;

    @Option(names = "--candidates", defaultValue = "3", description = "Candidate patches when no reproduction test can be made (default ${DEFAULT-VALUE}).")
    int candidates;

    @Option(names = "--build-command", paramLabel = "CMD", description = "How to build (default: detected).")
    String buildCommand;

    @Option(names = "--test-command", paramLabel = "CMD", description = "How to run the whole test suite (default: detected).")
    String testCommand;

    @Option(names = "--regression-command", paramLabel = "CMD", description = "How to run the regression tests: a command, or a template whose {tests} "
            + "receives the tests selected from the graph (default: the build tool's).")
    String regressionCommand;

    @Option(names = "--base", paramLabel = "COMMIT", description = "Base commit (default: HEAD).")
    String base;

    @Option(names = "--max-tokens", defaultValue = "200000", description = "Token budget of the whole resolution (default ${DEFAULT-VALUE}).")
    int maxTokens;

    @Option(names = "--timeout", defaultValue = "600", paramLabel = "SECONDS", description = "Time limit of each command (default ${DEFAULT-VALUE}).")
    int timeout;

    @Option(names = "--allow-unsandboxed", description = "Run the repository's commands without bubblewrap when it is missing (only for code you trust).")
    boolean allowUnsandboxed;

    @Option(names = "--json", description = "Print the whole result (checks, logs, trace) as JSON instead of the diff.")
    boolean json;

    @Mixin
    ModelOptions model;

    @Mixin
    GraphOptions graph;

    @Override
    public Integer call() throws Exception {
        String body = issueFile == null ? (text == null ? "" : String.join(" ", text))
                : issueFile.equals("-") ? new String(System.in.readAllBytes(), StandardCharsets.UTF_8) : Files.readString(Path.of(issueFile));
        if (body.isBlank() && (title == null || title.isBlank())) throw new IllegalArgumentException("give the issue text as arguments, with --title or with --issue-file");
        for (String c : checks) {
            if (!List.of("reproduction", "regression", "build", "full_tests").contains(c)) {
                throw new IllegalArgumentException("unknown check '" + c + "'; the checks are reproduction, regression, build, full_tests");
            }
        }
        model.require("resolving issues");
        IssueType t = IssueType.parse(type);
        IssueRequest req = new IssueRequest(title, body, List.of(), t, new IssueRequest.Checks(checks.contains("reproduction"), checks.contains("regression"),
                checks.contains("build"), checks.contains("full_tests")), buildCommand, testCommand, regressionCommand, candidates, base, maxTokens,
                Duration.ofSeconds(timeout));
        PrintStream err = System.err;
        CommandRunner runner = new CommandRunner(allowUnsandboxed);
        runner.requireUsable();
        try (KnowledgeGraph kg = graph.open(false); LanguageModel lm = model.open()) {
            err.println("ingesting " + repo.toAbsolutePath().normalize());
            IngestSummary s = IngestCommand.run(kg, repo, IngestOptions.defaults());
            RepositoryInfo info = kg.graph().repository(s.repoId()).orElseThrow();
            long t0 = System.currentTimeMillis();
            Trace trace = new Trace(step -> err.println(progressLine(step, t0)));
            IssueResolver resolver = new IssueResolver(lm, kg.tools(), new IssueResolver.Config(graph.dataDir().resolve("worktrees"), runner,
                    Limits.DEFAULT, GenerationOptions.greedy(1024), 16));
            Resolution r = CancelOnExit.run(cancel -> resolver.resolve(info, req, trace, cancel));
            if (json) {
                var node = Json.MAPPER.valueToTree(r);
                ((com.fasterxml.jackson.databind.node.ObjectNode) node).set("trace", Json.MAPPER.valueToTree(trace.steps()));
                System.out.println(Json.write(node));
            } else {
                err.println();
                err.println(r.response());
                err.println(String.format(Locale.ROOT, "tokens: %d prompt + %d completion; time %.1f s", r.promptTokens(), r.completionTokens(), r.millis() / 1000.0));
                if (!r.diff().isBlank()) System.out.print(r.diff());
            }
            return r.resolved() ? 0 : 3;
        }
    }

    static String progressLine(Trace.Step s, long t0) {
        String time = String.format(Locale.ROOT, "%6.1fs", (s.timeMillis() - t0) / 1000.0);
        String what = switch (s.kind()) {
            case "phase" -> "== " + s.title();
            case "tool" -> "   " + s.tool() + " " + oneLine(s.arguments(), 100) + (s.error() ? "  -> " + oneLine(s.result(), 80) : "");
            case "model" -> "   model: " + s.completionTokens() + " tokens in " + s.durationMillis() + " ms";
            case "check" -> "   check " + s.title() + (s.error() ? " (failed)" : " (passed)");
            case "error" -> "   ! " + s.title() + ": " + oneLine(s.text(), 120);
            default -> "   " + s.title();
        };
        return time + " " + what;
    }

    private static String oneLine(String s, int max) {
        if (s == null) return "";
        String t = s.replaceAll("\\s+", " ").strip();
        return t.length() <= max ? t : t.substring(0, max) + "...";
    }
}
