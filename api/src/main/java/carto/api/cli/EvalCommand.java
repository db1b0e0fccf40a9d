package carto.api.cli;

import carto.agents.eval.IssueEval;
import carto.agents.eval.IssueTasks;
import carto.agents.resolve.IssueResolver;
import carto.agents.sandbox.CommandRunner;
import carto.agents.sandbox.Limits;
import carto.api.Json;
import carto.graph.KnowledgeGraph;
import carto.inference.lm.GenerationOptions;
import carto.inference.lm.LanguageModel;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;

@Command(name = "eval", description = "Evaluate Carto on datasets.", subcommands = {EvalCommand.Issues.class, EvalCommand.Summaries.class, EvalCommand.Translate.class})
public final class EvalCommand {
    /** Prints a report as JSON, and writes it to {@code out} as well when given. */
    static void print(Object report, Path out) throws java.io.IOException {
        String json = Json.write(report);
        System.out.println(json);
        if (out != null) Files.writeString(out, json + "\n");
    }

    @Command(name = "issues", description = "Resolve every task of a dataset (QuixBugs folder or SWE-bench-style JSONL) and print JSON: "
            + "resolved count, per-task verdicts (checked by the task's own tests), tokens, time.")
    public static final class Issues implements Callable<Integer> {
        @Option(names = "--dataset", required = true, paramLabel = "PATH", description = "A QuixBugs folder (tasks.jsonl) or a .jsonl of tasks.")
        Path dataset;

        @Option(names = "--filter", paramLabel = "TEXT", description = "Only tasks whose id contains this.")
        String filter;

        @Option(names = "--limit", paramLabel = "N", description = "At most this many tasks.")
        Integer limit;

        @Option(names = "--candidates", defaultValue = "1", description = "Candidate patches per task when no reproduction test is made (default ${DEFAULT-VALUE}).")
        int candidates;

        @Option(names = "--timeout", defaultValue = "120", paramLabel = "SECONDS", description = "Time limit of each test command (default ${DEFAULT-VALUE}).")
        int timeout;

        @Option(names = "--work", paramLabel = "DIR", description = "Where generated repositories go (default: a new temporary folder).")
        Path work;

        @Option(names = "--allow-unsandboxed", description = "Run task commands without bubblewrap when it is missing.")
        boolean allowUnsandboxed;

        @Option(names = "--out", paramLabel = "FILE", description = "Also write the JSON report here.")
        Path out;

        @Mixin
        ModelOptions model;

        @Mixin
        GraphOptions graph;

        @Override
        public Integer call() throws Exception {
            model.require("the evaluation");
            if (!Files.exists(dataset)) throw new IllegalArgumentException("dataset " + dataset + " does not exist");
            CommandRunner runner = new CommandRunner(allowUnsandboxed);
            runner.requireUsable();
            Path dir = work != null ? work : Files.createTempDirectory("carto-eval");
            List<IssueTasks.Task> tasks = IssueTasks.load(dataset, dir, filter, null);
            if (limit != null) tasks = tasks.stream().limit(limit).toList();
            if (tasks.isEmpty()) throw new IllegalArgumentException("no task in " + dataset + (filter != null ? " matches '" + filter + "'" : ""));
            try (KnowledgeGraph kg = graph.open(false); LanguageModel lm = model.open()) {
                IssueResolver.Config config = new IssueResolver.Config(dir.resolve("worktrees"), runner, Limits.DEFAULT, GenerationOptions.greedy(1024), 16);
                IssueEval.Report report = IssueEval.run(dataset.toString(), tasks, kg, lm, config, candidates, Duration.ofSeconds(timeout), System.err::println);
                print(report, out);
            }
            return 0;
        }
    }

    @Command(name = "summaries", description = "Summarize the methods of the summarization dataset (MCE: class context, MCSN: repository context) "
            + "and print JSON: BLEU-4, ROUGE-L and METEOR against the references, per split and overall.")
    public static final class Summaries implements Callable<Integer> {
        @Option(names = "--dataset", required = true, paramLabel = "DIR", description = "The dataset folder (method-level-*.jsonl).")
        Path dataset;

        @Option(names = "--split", defaultValue = "all", description = "mce, mcsn or all (default ${DEFAULT-VALUE}).")
        String split;

        @Option(names = "--limit", defaultValue = "0", description = "At most this many rows per split (0: all).")
        int limit;

        @Option(names = "--examples", defaultValue = "2", description = "Few-shot examples per prompt from the dataset's example files (default ${DEFAULT-VALUE}).")
        int examples;

        @Option(names = "--max-tokens", defaultValue = "48", description = "Longest summary in tokens (default ${DEFAULT-VALUE}).")
        int maxTokens;

        @Option(names = "--predictions", description = "Include every prediction in the JSON.")
        boolean predictions;

        @Option(names = "--out", paramLabel = "FILE", description = "Also write the JSON report here.")
        Path out;

        @Mixin
        ModelOptions model;

        @Override
        public Integer call() throws Exception {
            model.require("the evaluation");
            var rows = carto.agents.eval.SummaryEval.load(dataset, split, limit);
            java.util.Map<String, List<String[]>> ex = new java.util.HashMap<>();
            for (String s : List.of("mce", "mcsn")) ex.put(s, carto.agents.eval.SummaryEval.examples(dataset, s, examples));
            try (LanguageModel lm = model.open()) {
                var report = carto.agents.eval.SummaryEval.run(lm, rows, ex, maxTokens, System.err::println);
                if (!predictions) report = new carto.agents.eval.SummaryEval.Report(report.model(), report.all(), report.bySplit(), report.maskedDocstrings(),
                        report.promptTokens(), report.completionTokens(), report.millis(), List.of());
                print(report, out);
            }
            return 0;
        }
    }

    @Command(name = "translate", description = "Translate the programs of a dataset (SACTOR layout) and print JSON: programs translated end to end, "
            + "per-pass unit success rates, attempts, unsafe counts, tokens and time.")
    public static final class Translate implements Callable<Integer> {
        @Option(names = "--dataset", required = true, paramLabel = "DIR", description = "A SACTOR dataset folder (tasks.jsonl) or a folder of programs.")
        Path dataset;

        @Option(names = "--filter", paramLabel = "TEXT", description = "Only programs whose name contains this.")
        String filter;

        @Option(names = "--limit", defaultValue = "0", description = "At most this many programs (0: all).")
        int limit;

        @Option(names = "--attempts", defaultValue = "6", description = "Attempts per unit and pass (default ${DEFAULT-VALUE}).")
        int attempts;

        @Option(names = "--parallel", defaultValue = "2", description = "Programs at once (default ${DEFAULT-VALUE}).")
        int parallel;

        @Option(names = "--work", paramLabel = "DIR", description = "Output folder (default: a new temporary folder).")
        Path work;

        @Option(names = "--allow-unsandboxed", description = "Build and run without bubblewrap when it is missing.")
        boolean allowUnsandboxed;

        @Mixin
        ModelOptions model;

        @Override
        public Integer call() throws Exception {
            model.require("the evaluation");
            Path out = work != null ? work : Files.createTempDirectory("carto-eval-translate");
            var r = TranslateCommand.run(dataset, null, null, filter, limit, out, attempts, true, parallel, 60, allowUnsandboxed, false, model);
            System.out.println(Json.write(TranslateCommand.withoutCode(r)));
            return 0;
        }
    }
}
