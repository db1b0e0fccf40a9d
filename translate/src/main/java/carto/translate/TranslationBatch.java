package carto.translate;

import carto.agents.llm.Agent;
import carto.inference.lm.CancelToken;
import carto.inference.lm.LanguageModel;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * Translates several programs, a bounded number at a time, each in its own folder under the
 * output folder (so a stopped batch resumes program by program and unit by unit), and writes a
 * report (JSON and Markdown) of the whole batch.
 */
public final class TranslationBatch {
    /** A program to translate: a name, its C source and its tests. */
    public record Program(String name, String source, ProgramTests tests) {}

    /** The batch: per program, and the rates a reader wants first. */
    public record Report(int programs, int translated, int idiomatic, double unidiomaticUnitRate, double idiomaticUnitRate, double meanAttempts,
                         int unsafeBlocks, int rawPointers, long promptTokens, long completionTokens, long millis, List<Translator.ProgramReport> results) {}

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private TranslationBatch() {}

    /** Programs from a path: a SACTOR dataset folder (tasks.jsonl), a folder of NAME.c with NAME.c.json or NAME.json tests, or one .c file with {@code tests}. */
    public static List<Program> load(Path path, Path tests, String feed, String filter, int limit) throws IOException {
        List<Program> out = new ArrayList<>();
        if (Files.isRegularFile(path)) {
            if (tests == null) throw new IllegalArgumentException("give the tests of " + path + " with --tests TESTS.json");
            out.add(new Program(stem(path), Files.readString(path), ProgramTests.read(tests, feed)));
        } else if (Files.isRegularFile(path.resolve("tasks.jsonl"))) {
            for (String line : Files.readAllLines(path.resolve("tasks.jsonl"))) {
                if (line.isBlank()) continue;
                JsonNode t = JSON.readTree(line);
                out.add(new Program(t.path("id").asText().replace('/', '_'), t.path("c_code").asText(), ProgramTests.of(t)));
            }
        } else if (Files.isDirectory(path)) {
            try (Stream<Path> s = Files.list(path)) {
                for (Path c : s.filter(p -> p.toString().endsWith(".c")).sorted().toList()) {
                    Path t = Files.exists(Path.of(c + ".json")) ? Path.of(c + ".json") : c.resolveSibling(stem(c) + ".json");
                    if (!Files.exists(t)) throw new IllegalArgumentException(c + " has no tests: put them in " + c.getFileName() + ".json");
                    out.add(new Program(stem(c), Files.readString(c), ProgramTests.read(t, feed)));
                }
            }
        } else {
            throw new IllegalArgumentException(path + " does not exist; give a .c file, a folder of programs or a SACTOR dataset folder");
        }
        if (filter != null && !filter.isBlank()) out.removeIf(p -> !p.name().toLowerCase(Locale.ROOT).contains(filter.toLowerCase(Locale.ROOT)));
        if (limit > 0 && out.size() > limit) out = new ArrayList<>(out.subList(0, limit));
        if (out.isEmpty()) throw new IllegalArgumentException("no program to translate in " + path + (filter != null ? " matching '" + filter + "'" : ""));
        return out;
    }

    private static String stem(Path p) {
        return p.getFileName().toString().replaceFirst("\\.c$", "");
    }

    /** Runs the batch with {@code parallel} programs at a time; finished programs are read back from their folders, not redone. */
    public static Report run(List<Program> programs, LanguageModel model, FfiHarness harness, Translator.Options options, Path out, int parallel,
                             Consumer<String> progress, CancelToken cancel) {
        long t0 = System.currentTimeMillis();
        try {
            Files.createDirectories(out);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + out + ": " + e.getMessage(), e);
        }
        harness.requireToolchains(out.resolve(".toolcheck"));
        Translator translator = new Translator(model, harness, options);
        List<Translator.ProgramReport> results = new ArrayList<>();
        try (ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, parallel))) {
            List<Future<Translator.ProgramReport>> futures = new ArrayList<>();
            for (Program p : programs) {
                futures.add(pool.submit(() -> {
                    Path dir = out.resolve(safe(p.name()));
                    Path done = dir.resolve("report.json");
                    if (Files.isRegularFile(done)) return JSON.readValue(done.toFile(), Translator.ProgramReport.class);
                    if (cancel != null && cancel.isCancelled()) throw new Agent.Cancelled();
                    progress.accept("start " + p.name());
                    Translator.ProgramReport r = translator.translate(p.name(), p.source(), p.tests(), dir,
                            e -> progress.accept(p.name() + " " + e.unit() + " [" + e.pass() + "] " + e.what() + (e.attempt() > 0 ? " (attempt " + e.attempt() + ")" : "")
                                    + (e.detail() != null ? ": " + e.detail().lines().findFirst().orElse("") : "")), cancel);
                    JSON.writeValue(done.toFile(), r);
                    progress.accept("done " + p.name() + ": " + (r.idiomatic() ? "translated (idiomatic)" : r.translated() ? "translated (unidiomatic)" : "failed"));
                    return r;
                }));
            }
            for (Future<Translator.ProgramReport> f : futures) {
                try {
                    results.add(f.get());
                } catch (ExecutionException e) {
                    if (e.getCause() instanceof Agent.Cancelled c) throw c;
                    if (e.getCause() instanceof RuntimeException re) throw re;
                    throw new IllegalStateException(e.getCause());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new Agent.Cancelled();
                }
            }
        }
        Report report = summarize(results, System.currentTimeMillis() - t0);
        try {
            JSON.writeValue(out.resolve("report.json").toFile(), report);
            Files.writeString(out.resolve("report.md"), markdown(report));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return report;
    }

    static Report summarize(List<Translator.ProgramReport> results, long millis) {
        int translated = 0, idiomatic = 0, unsafe = 0, raw = 0;
        long pt = 0, ct = 0;
        int uniUnits = 0, uniPassed = 0, idUnits = 0, idPassed = 0, attempts = 0, attempted = 0;
        for (Translator.ProgramReport r : results) {
            if (r.translated()) translated++;
            if (r.idiomatic()) idiomatic++;
            unsafe += r.unsafeBlocks();
            raw += r.rawPointers();
            pt += r.promptTokens();
            ct += r.completionTokens();
            for (Translator.UnitReport u : r.units()) {
                if (u.status().equals("skipped")) continue;
                if (u.pass().equals("unidiomatic")) {
                    uniUnits++;
                    if (u.status().equals("passed")) uniPassed++;
                } else {
                    idUnits++;
                    if (u.status().equals("passed")) idPassed++;
                }
                if (u.attempts() > 0) {
                    attempts += u.attempts();
                    attempted++;
                }
            }
        }
        return new Report(results.size(), translated, idiomatic, uniUnits == 0 ? 0 : (double) uniPassed / uniUnits, idUnits == 0 ? 0 : (double) idPassed / idUnits,
                attempted == 0 ? 0 : (double) attempts / attempted, unsafe, raw, pt, ct, millis, List.copyOf(results));
    }

    static String markdown(Report r) {
        StringBuilder md = new StringBuilder("# C to Rust translation\n\n");
        md.append(String.format(Locale.ROOT, "%d of %d programs translated end to end (%d also idiomatic). Units passing: %.0f%% unidiomatic, %.0f%% idiomatic; "
                        + "%.2f attempts per unit; %d `unsafe`, %d raw pointers in the final crates.%n%n", r.translated(), r.programs(), r.idiomatic(),
                100 * r.unidiomaticUnitRate(), 100 * r.idiomaticUnitRate(), r.meanAttempts(), r.unsafeBlocks(), r.rawPointers()));
        md.append("| program | result | units (unidiomatic / idiomatic passed) | unsafe | clippy warnings | C lines | Rust lines |\n|---|---|---|---|---|---|---|\n");
        for (Translator.ProgramReport p : r.results()) {
            long u = p.units().stream().filter(x -> x.pass().equals("unidiomatic") && x.status().equals("passed")).count();
            long i = p.units().stream().filter(x -> x.pass().equals("idiomatic") && x.status().equals("passed")).count();
            md.append("| ").append(p.program()).append(" | ").append(p.idiomatic() ? "idiomatic" : p.translated() ? "unidiomatic" : "failed")
                    .append(" | ").append(u).append(" / ").append(i).append(" | ").append(p.unsafeBlocks()).append(" | ")
                    .append(p.clippyWarnings() < 0 ? "n/a" : String.valueOf(p.clippyWarnings())).append(" | ").append(p.cLines()).append(" | ")
                    .append(p.rustLines()).append(" |\n");
        }
        return md.toString();
    }

    static String safe(String name) {
        return name.replaceAll("[^A-Za-z0-9._-]+", "_");
    }
}
