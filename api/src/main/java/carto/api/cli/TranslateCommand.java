package carto.api.cli;

import carto.agents.sandbox.Limits;
import carto.api.Json;
import carto.inference.lm.LanguageModel;
import carto.translate.FfiHarness;
import carto.translate.Toolchains;
import carto.translate.TranslationBatch;
import carto.translate.Translator;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

@Command(name = "translate", description = "Translate C to Rust, unit by unit, verifying every unit by linking it back into the C program and running its tests. "
        + "PATH is a .c file (with --tests), a folder of NAME.c + NAME.c.json programs, or a SACTOR dataset folder.")
public final class TranslateCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "PATH", description = "The program, folder of programs, or dataset.")
    Path path;

    @Option(names = "--tests", paramLabel = "TESTS.json", description = "Tests of a single program: {\"feed\": \"stdin|args|args_exitcode\", \"tests\": [...]}.")
    Path tests;

    @Option(names = "--feed", description = "How tests feed a program when the tests file does not say: stdin, args or args_exitcode.")
    String feed;

    @Option(names = "--out", paramLabel = "DIR", defaultValue = "translation", description = "Output folder: a Cargo workspace per program and the report (default ${DEFAULT-VALUE}). "
            + "Running again resumes what is unfinished there.")
    Path out;

    @Option(names = "--attempts", defaultValue = "6", description = "Attempts per unit and pass (default ${DEFAULT-VALUE}).")
    int attempts;

    @Option(names = "--no-idiomatic", description = "Stop after the first (unidiomatic) pass.")
    boolean noIdiomatic;

    @Option(names = "--parallel", defaultValue = "2", description = "Programs translated at once (default ${DEFAULT-VALUE}).")
    int parallel;

    @Option(names = "--filter", paramLabel = "TEXT", description = "Only programs whose name contains this.")
    String filter;

    @Option(names = "--limit", defaultValue = "0", description = "At most this many programs (0: all).")
    int limit;

    @Option(names = "--test-timeout", defaultValue = "60", paramLabel = "SECONDS", description = "Time limit of each test run (default ${DEFAULT-VALUE}).")
    int testTimeout;

    @Option(names = "--allow-unsandboxed", description = "Build and run without bubblewrap when it is missing (only for code you trust).")
    boolean allowUnsandboxed;

    @Option(names = "--json", description = "Print the report as JSON.")
    boolean json;

    @Option(names = "--valgrind", description = "Run every test under valgrind too (memory errors fail the unit).")
    boolean valgrind;

    @Option(names = "--ingest", description = "Also ingest the C repository (a folder PATH) into the knowledge graph, so it can be queried and summarized.")
    boolean ingest;

    @picocli.CommandLine.Mixin
    GraphOptions graph;

    @Mixin
    ModelOptions model;

    @Override
    public Integer call() throws Exception {
        model.require("translating");
        if (ingest) {
            if (!java.nio.file.Files.isDirectory(path)) throw new IllegalArgumentException("--ingest needs PATH to be a folder (a C repository)");
            try (carto.graph.KnowledgeGraph kg = graph.open(true)) {
                System.err.println("ingested as " + IngestCommand.run(kg, path, carto.ingest.IngestOptions.defaults()).repoId());
            }
        }
        TranslationBatch.Report r = run(path, tests, feed, filter, limit, out, attempts, !noIdiomatic, parallel, testTimeout, allowUnsandboxed, valgrind, model);
        if (json) System.out.println(Json.write(withoutCode(r)));
        else {
            System.out.printf(Locale.ROOT, "%d of %d programs translated (%d idiomatic); report: %s%n", r.translated(), r.programs(), r.idiomatic(),
                    out.resolve("report.md"));
        }
        return r.translated() == r.programs() ? 0 : 3;
    }

    static TranslationBatch.Report run(Path path, Path tests, String feed, String filter, int limit, Path out, int attempts, boolean idiomatic, int parallel,
                                       int testTimeout, boolean allowUnsandboxed, boolean valgrind, ModelOptions model) throws Exception {
        List<TranslationBatch.Program> programs = TranslationBatch.load(path, tests, feed, filter, limit);
        FfiHarness harness = new FfiHarness(Toolchains.runner(allowUnsandboxed), Limits.DEFAULT.withTimeout(Duration.ofMinutes(5)), Duration.ofSeconds(testTimeout),
                valgrind);
        System.err.println(programs.size() + " program" + (programs.size() == 1 ? "" : "s") + " to translate into " + out.toAbsolutePath());
        try (LanguageModel lm = model.open()) {
            return CancelOnExit.run(cancel ->
                    TranslationBatch.run(programs, lm, harness, new Translator.Options(attempts, idiomatic, 2048, true), out, parallel, System.err::println, cancel));
        }
    }

    /** The report without the Rust of every unit (it is in the workspaces). */
    static TranslationBatch.Report withoutCode(TranslationBatch.Report r) {
        return new TranslationBatch.Report(r.programs(), r.translated(), r.idiomatic(), r.unidiomaticUnitRate(), r.idiomaticUnitRate(), r.meanAttempts(),
                r.unsafeBlocks(), r.rawPointers(), r.promptTokens(), r.completionTokens(), r.millis(), r.results().stream().map(p -> new Translator.ProgramReport(
                p.program(), p.translated(), p.idiomatic(), p.units().stream().map(u -> new Translator.UnitReport(u.unit(), u.kind(), u.pass(), u.status(),
                u.attempts(), u.unsafeBlocks(), u.rawPointers(), u.cLines(), u.rustLines(), u.lastError() == null ? null : u.lastError().lines().findFirst().orElse(""),
                null)).toList(), p.unsafeBlocks(), p.rawPointers(), p.cLines(), p.rustLines(), p.clippyWarnings(), p.preprocessed(), p.modelCalls(), p.promptTokens(), p.completionTokens(), p.millis(),
                p.failure())).toList());
    }
}
