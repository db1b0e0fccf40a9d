package carto.api.cli;

import carto.agents.summary.RepositoryOverview;
import carto.agents.summary.Summarizer;
import carto.api.ProgressBar;
import carto.graph.KnowledgeGraph;
import carto.graph.RepositoryInfo;
import carto.graph.tools.SummaryStore;
import carto.ingest.IngestOptions;
import carto.ingest.IngestSummary;
import carto.inference.lm.LanguageModel;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

@Command(name = "summarize", description = "Summarize a repository bottom-up (functions, types, files, directories, the repository) and write Markdown: "
        + "the overview for the repository scope. Summaries are stored in the graph and reused until the code changes.")
public final class SummarizeCommand implements Callable<Integer> {
    @Option(names = "--repo", paramLabel = "PATH", defaultValue = ".", description = "The repository folder (default: the current folder).")
    Path repo;

    @Option(names = "--scope", defaultValue = "repository", description = "repository, directory, file or symbol (default ${DEFAULT-VALUE}).")
    String scope;

    @Option(names = "--target", paramLabel = "PATH", description = "The directory, file, or symbol (NAME or path#NAME) of a narrower scope.")
    String target;

    @Option(names = "--out", paramLabel = "FILE", description = "Write the Markdown here instead of standard output.")
    Path out;

    @Option(names = "--max-calls", defaultValue = "300", description = "Ask before running more model calls than this (default ${DEFAULT-VALUE}); --yes to go on.")
    int maxCalls;

    @Option(names = "--yes", description = "Run even when the estimate is above --max-calls.")
    boolean yes;

    @Option(names = "--force", description = "Recompute every summary, ignoring the stored ones.")
    boolean force;

    @Option(names = "--max-tokens", defaultValue = "96", description = "Tokens per function summary; types and files get 1.5x, directories 2x (default ${DEFAULT-VALUE}).")
    int maxTokens;

    @Mixin
    ModelOptions model;

    @Mixin
    GraphOptions graph;

    @Override
    public Integer call() throws Exception {
        Summarizer.Scope sc = Summarizer.Scope.parse(scope);
        model.require("summarizing");
        try (KnowledgeGraph kg = graph.open(false)) {
            System.err.println("ingesting " + repo.toAbsolutePath().normalize());
            IngestSummary s = IngestCommand.run(kg, repo, IngestOptions.defaults());
            RepositoryInfo info = kg.graph().repository(s.repoId()).orElseThrow();
            SummaryStore store = new SummaryStore(kg.graph());
            try (LanguageModel lm = model.open()) {
                Summarizer summarizer = new Summarizer(lm, kg.tools(), store, new Summarizer.Options(12, maxTokens, 3000, force));
                Summarizer.Plan plan = summarizer.plan(info, sc, target);
                System.err.printf(Locale.ROOT, "%d summaries: %d model calls, %d reused from the graph; %d generated or vendored files left out%n",
                        plan.units().size(), plan.modelCalls(), plan.cached(), plan.skipped().size());
                if (plan.modelCalls() > maxCalls && !yes) {
                    throw new IllegalArgumentException("this needs about " + plan.modelCalls() + " model calls, more than --max-calls " + maxCalls
                            + "; narrow it with --scope/--target, or run again with --yes");
                }
                ProgressBar bar = new ProgressBar("summaries");
                Summarizer.Result r;
                try {
                    r = CancelOnExit.run(cancel -> summarizer.run(info, plan, p -> bar.update(p.done(), p.total()), cancel));
                } finally {
                    bar.finish();
                }
                System.err.printf(Locale.ROOT, "%d model calls, %d reused, %d + %d tokens, %.1f s%n", r.modelCalls(), r.reused(), r.promptTokens(),
                        r.completionTokens(), r.millis() / 1000.0);
                String md = markdown(kg, info, store, sc, r);
                if (out != null) {
                    Files.writeString(out, md);
                    System.err.println("wrote " + out);
                } else System.out.print(md);
            }
        }
        return 0;
    }

    static String markdown(KnowledgeGraph kg, RepositoryInfo info, SummaryStore store, Summarizer.Scope sc, Summarizer.Result r) {
        StringBuilder md = new StringBuilder();
        Map<String, SummaryStore.Stored> all = store.all(info.id());
        if (sc == Summarizer.Scope.REPOSITORY) md.append(RepositoryOverview.markdown(kg.tools(), info, all)).append("\n## Summaries\n\n");
        else md.append("# Summaries of ").append(r.plan().target()).append(" in ").append(info.name()).append("\n\n");
        for (Summarizer.Unit u : r.plan().units().reversed()) {
            SummaryStore.Stored s = r.summaries().get(u.key());
            if (s == null || u.scope().equals("repository")) continue;
            String where = switch (u.scope()) {
                case "directory" -> "[" + u.path() + "/](" + u.path() + ")";
                case "file" -> "[" + u.path() + "](" + u.path() + ")";
                default -> "`" + u.name() + "` in [" + u.path() + ":" + u.startLine() + "-" + u.endLine() + "](" + u.path() + "#L" + u.startLine() + "-L" + u.endLine() + ")";
            };
            md.append("- ").append(u.scope()).append(' ').append(where).append(": ").append(s.text().replace('\n', ' ')).append('\n');
        }
        return md.toString();
    }
}
