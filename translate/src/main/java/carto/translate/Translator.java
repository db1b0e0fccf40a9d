package carto.translate;

import carto.agents.llm.Agent;
import carto.inference.lm.CancelToken;
import carto.inference.lm.ChatMessage;
import carto.inference.lm.Completion;
import carto.inference.lm.GenerationOptions;
import carto.inference.lm.LanguageModel;
import carto.inference.lm.TokenSink;
import carto.translate.analysis.CAnalyzer;
import carto.translate.analysis.CProgram;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * SACTOR-style translation of one C program: units in dependency order, each translated twice —
 * first to Rust that keeps the C interface (unidiomatic), then to safe idiomatic Rust behind a
 * generated C-ABI wrapper — and each verified by linking it back into the C program and running
 * its tests. A failing unit goes back to the model with the error, up to a bounded number of
 * attempts; units whose dependencies failed are blocked. Progress is saved after every unit, so
 * a run that was stopped resumes where it was.
 */
public final class Translator {
    /** Attempts per unit and pass, which passes run, the token cap per answer, and whether clippy reviews the result. */
    public record Options(int attempts, boolean idiomatic, int maxTokens, boolean clippy) {
        public Options(int attempts, boolean idiomatic, int maxTokens) {
            this(attempts, idiomatic, maxTokens, false);
        }

        public static Options defaults() {
            return new Options(6, true, 2048, true);
        }
    }

    /** One unit's outcome in one pass. status: passed, failed, blocked, skipped. */
    public record UnitReport(String unit, String kind, String pass, String status, int attempts, int unsafeBlocks, int rawPointers, int cLines,
                             int rustLines, String lastError, String rust) {}

    /** A program's outcome: every unit in both passes, whether the whole program ended up in Rust and passing, and counts. */
    public record ProgramReport(String program, boolean translated, boolean idiomatic, List<UnitReport> units, int unsafeBlocks, int rawPointers,
                                int cLines, int rustLines, int clippyWarnings, boolean preprocessed, int modelCalls, long promptTokens, long completionTokens,
                                long millis, String failure) {}

    /** Progress: a unit started, finished, or an attempt failed. */
    public record Event(String unit, String pass, String what, int attempt, String detail) {}

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private static final Pattern CODE = Pattern.compile("```(?:rust|rs)?\\s*\\n(.*?)```", Pattern.DOTALL);

    private final LanguageModel model;
    private final FfiHarness harness;
    private final Options options;

    public Translator(LanguageModel model, FfiHarness harness, Options options) {
        this.model = model;
        this.harness = harness;
        this.options = options;
    }

    /** State saved after every unit: the source it belongs to, the Rust of every verified unit, and the reports so far. */
    record State(String sourceHash, Map<String, String> unidiomatic, Map<String, String> idiomatic, List<UnitReport> reports, int modelCalls,
                 long promptTokens, long completionTokens) {}

    /** Translates {@code source} (named {@code name}) in {@code dir}, resuming from a saved state there. */
    public ProgramReport translate(String name, String source, ProgramTests tests, Path dir, Consumer<Event> progress, CancelToken cancel) {
        long t0 = System.currentTimeMillis();
        final String givenSource = source;
        CProgram parsed = CAnalyzer.analyze(source);
        boolean preprocessed = false;
        if (parsed.syntaxErrors()) {
            // macros can hide the structure from the parser: analyse what gcc -E makes of it
            String expanded = harness.preprocess(source, dir.resolve("preprocess"));
            CProgram expandedProgram = expanded == null ? null : CAnalyzer.analyze(expanded);
            if (expandedProgram != null && !expandedProgram.syntaxErrors()) {
                parsed = expandedProgram;
                source = expanded;
                preprocessed = true;
            }
        }
        final CProgram program = parsed;
        if (program.functions().isEmpty()) throw new IllegalArgumentException(name + " has no C function to translate");
        FfiHarness.Verification original = harness.verifyOriginal(program, tests, dir.resolve("original"));
        if (!original.passed()) {
            return new ProgramReport(name, false, false, List.of(), 0, 0, lines(source), 0, -1, preprocessed, 0, 0, 0, System.currentTimeMillis() - t0,
                    "the original C program does not pass its own tests (" + original.failure() + "); nothing was translated");
        }
        String hash = sha(source);
        State state = load(dir, hash);
        Map<String, String> uni = new LinkedHashMap<>(state.unidiomatic());
        Map<String, String> idio = new LinkedHashMap<>(state.idiomatic());
        List<UnitReport> reports = new ArrayList<>(state.reports());
        int[] calls = {state.modelCalls()};
        long[] tokens = {state.promptTokens(), state.completionTokens()};
        Set<String> failed = new LinkedHashSet<>();
        for (UnitReport r : reports) if (!r.status().equals("passed")) failed.add(r.unit());

        List<List<String>> groups = program.order().stream()
                .map(g -> g.stream().filter(n -> program.item(n).map(i -> i.kind() != CProgram.Kind.GLOBAL && i.kind() != CProgram.Kind.TYPEDEF).orElse(false))
                        // after gcc -E the system headers' own types and functions are there too: only the program's are units
                        .filter(n -> !fromHeaders(n, givenSource)).toList())
                .filter(g -> !g.isEmpty()).toList();
        // pass 1: unidiomatic, in dependency order
        for (List<String> group : groups) {
            String unit = String.join("+", group);
            if (done(reports, unit, "unidiomatic")) continue;
            check(cancel);
            Set<String> deps = dependencies(program, group);
            String blockedBy = deps.stream().filter(failed::contains).findFirst().orElse(null);
            if (blockedBy != null) {
                reports.add(new UnitReport(unit, kind(program, group), "unidiomatic", "blocked", 0, 0, 0, cLines(program, group), 0,
                        "depends on " + blockedBy + ", which was not translated", null));
                failed.addAll(group);
                save(dir, new State(hash, uni, idio, reports, calls[0], tokens[0], tokens[1]));
                continue;
            }
            UnitReport r = translateUnit(program, group, "unidiomatic", uni, tests, dir, progress, cancel, calls, tokens);
            reports.add(r);
            if (r.status().equals("passed")) uni.put(unit, r.rust());
            else failed.addAll(group);
            save(dir, new State(hash, uni, idio, reports, calls[0], tokens[0], tokens[1]));
        }
        boolean allUni = failed.isEmpty();
        // pass 2: idiomatic, function by function, over the verified unidiomatic crate
        if (options.idiomatic() && allUni) {
            uni.forEach(idio::putIfAbsent);
            for (List<String> group : groups) {
                String unit = String.join("+", group);
                if (done(reports, unit, "idiomatic")) continue;
                check(cancel);
                if (!kind(program, group).equals("function") || group.contains("main")) {
                    reports.add(new UnitReport(unit, kind(program, group), "idiomatic", "skipped", 0, 0, 0, cLines(program, group), 0,
                            group.contains("main") ? "main keeps its C interface" : "types keep their #[repr(C)] layout", null));
                    continue;
                }
                UnitReport r = translateUnit(program, group, "idiomatic", idio, tests, dir, progress, cancel, calls, tokens);
                reports.add(r);
                if (r.status().equals("passed")) idio.put(unit, r.rust());
                save(dir, new State(hash, uni, idio, reports, calls[0], tokens[0], tokens[1]));
            }
        }
        boolean allIdio = options.idiomatic() && allUni && reports.stream().filter(r -> r.pass().equals("idiomatic")).noneMatch(r -> r.status().equals("failed"));
        Map<String, String> finalCode = allIdio ? idio : uni;
        writeWorkspace(dir, program, finalCode, reports);
        String lib = FfiHarness.libRs(finalCode);
        int clippy = options.clippy() && !finalCode.isEmpty() ? harness.clippyWarnings(dir.resolve("workspace")) : -1;
        return new ProgramReport(name, allUni, allIdio, List.copyOf(reports), count(lib, "unsafe"), rawPointers(lib), lines(source), lines(lib),
                clippy, preprocessed, calls[0], tokens[0], tokens[1], System.currentTimeMillis() - t0,
                allUni ? null : "units not translated: " + String.join(", ", failed));
    }

    private UnitReport translateUnit(CProgram program, List<String> group, String pass, Map<String, String> crate, ProgramTests tests, Path dir,
                                     Consumer<Event> progress, CancelToken cancel, int[] calls, long[] tokens) {
        String unit = String.join("+", group);
        String kind = kind(program, group);
        emit(progress, new Event(unit, pass, "started", 0, null));
        String feedback = null, lastError = null, previous = null;
        Set<String> translatedFunctions = functionsOf(program, crate.keySet());
        for (int attempt = 1; attempt <= options.attempts(); attempt++) {
            check(cancel);
            boolean small = model.contextLength() < 2048;
            List<ChatMessage> prompt = small ? Prompts.compact(program, group, pass, crate.get(unit))
                    : pass.equals("unidiomatic") ? Prompts.unidiomatic(program, group, crate, feedback, previous)
                    : Prompts.idiomatic(program, group, crate.get(unit), feedback, previous);
            Completion c;
            try {
                int room = model.contextLength() - prompt.stream().mapToInt(x -> model.countTokens(x.content()) + 8).sum();
                if (room < 16) throw new carto.inference.model.ContextOverflowException("the " + pass + " prompt for " + unit + " does not fit the model's "
                        + model.contextLength() + "-token context; use a model with a longer context");
                GenerationOptions o = GenerationOptions.greedy(Math.max(16, Math.min(options.maxTokens(), room - 8)));
                c = model.chat(prompt, List.of(), o, TokenSink.NONE, cancel == null ? CancelToken.none() : cancel);
            } catch (carto.inference.model.ContextOverflowException | carto.inference.lm.ModelException e) {
                lastError = "the model could not answer: " + e.getMessage();
                emit(progress, new Event(unit, pass, "attempt failed", attempt, lastError));
                continue;
            }
            calls[0]++;
            tokens[0] += c.promptTokens();
            tokens[1] += c.completionTokens();
            check(cancel);
            String rust = extract(c.text());
            String problem = rust == null ? "the answer has no Rust code block; answer with one ```rust block" : Prompts.missing(program, group, rust, pass);
            if (problem != null) {
                feedback = problem;
                lastError = problem;
                previous = rust;
                emit(progress, new Event(unit, pass, "attempt failed", attempt, problem));
                continue;
            }
            Map<String, String> candidate = new LinkedHashMap<>(crate);
            candidate.put(unit, rust);
            Set<String> removed = new LinkedHashSet<>(translatedFunctions);
            if (kind.equals("function")) removed.addAll(group);
            FfiHarness.Verification v = harness.verify(program, candidate, removed, tests, dir.resolve("verify"));
            if (v.passed()) {
                emit(progress, new Event(unit, pass, "passed", attempt, null));
                return new UnitReport(unit, kind, pass, "passed", attempt, count(rust, "unsafe"), rawPointers(rust), cLines(program, group), lines(rust), null, rust);
            }
            lastError = v.failure();
            feedback = v.failure() + ":\n" + clip(v.log(), 3000);
            previous = rust;
            emit(progress, new Event(unit, pass, "attempt failed", attempt, v.stage() + ": " + v.failure()));
        }
        emit(progress, new Event(unit, pass, "failed", options.attempts(), lastError));
        return new UnitReport(unit, kind, pass, "failed", options.attempts(), 0, 0, cLines(program, group), 0, lastError, null);
    }

    /** The Rust in a model's answer: the first rust code block, or the whole answer when it is bare code. */
    static String extract(String text) {
        if (text == null) return null;
        Matcher m = CODE.matcher(text);
        if (m.find()) return m.group(1).strip() + "\n";
        String t = text.strip();
        if (t.startsWith("```")) t = t.replaceFirst("^```\\w*\\s*", "");
        return t.contains("fn ") ? t + "\n" : null;
    }

    private static boolean fromHeaders(String name, String original) {
        return !Pattern.compile("\\b" + Pattern.quote(name) + "\\b").matcher(original).find();
    }

    /** The C functions among units (a unit of a dependency cycle is named "f+g"). */
    private static Set<String> functionsOf(CProgram program, java.util.Collection<String> units) {
        Set<String> out = new LinkedHashSet<>();
        for (String unit : units) {
            for (String n : unit.split("\\+")) if (program.item(n).map(i -> i.kind() == CProgram.Kind.FUNCTION).orElse(false)) out.add(n);
        }
        return out;
    }

    private static Set<String> dependencies(CProgram program, List<String> group) {
        Set<String> deps = new LinkedHashSet<>();
        for (String n : group) program.item(n).ifPresent(i -> deps.addAll(i.uses()));
        group.forEach(deps::remove);
        return deps;
    }

    private static String kind(CProgram program, List<String> group) {
        return program.item(group.getFirst()).map(i -> i.kind() == CProgram.Kind.FUNCTION ? "function" : "type").orElse("function");
    }

    private static int cLines(CProgram program, List<String> group) {
        return group.stream().mapToInt(n -> program.item(n).map(i -> i.endLine() - i.startLine() + 1).orElse(0)).sum();
    }

    private static boolean done(List<UnitReport> reports, String unit, String pass) {
        return reports.stream().anyMatch(r -> r.unit().equals(unit) && r.pass().equals(pass));
    }

    private static void check(CancelToken cancel) {
        if (cancel != null && cancel.isCancelled() || Thread.currentThread().isInterrupted()) throw new Agent.Cancelled();
    }

    private static void emit(Consumer<Event> progress, Event e) {
        if (progress != null) progress.accept(e);
    }

    static int count(String rust, String word) {
        if (rust == null) return 0;
        Matcher m = Pattern.compile("\\b" + word + "\\b").matcher(rust.replaceAll("(?m)//.*$", ""));
        int n = 0;
        while (m.find()) n++;
        return n;
    }

    static int rawPointers(String rust) {
        if (rust == null) return 0;
        Matcher m = Pattern.compile("\\*(mut|const)\\s").matcher(rust.replaceAll("(?m)//.*$", ""));
        int n = 0;
        while (m.find()) n++;
        return n;
    }

    static int lines(String s) {
        return s == null ? 0 : (int) s.lines().filter(l -> !l.isBlank()).count();
    }

    private static String clip(String s, int max) {
        if (s == null) return "";
        return s.length() <= max ? s : s.substring(0, max / 2) + "\n[...]\n" + s.substring(s.length() - max / 2);
    }

    // ---- state and output ---------------------------------------------------------------------

    private static State load(Path dir, String hash) {
        Path f = dir.resolve("state.json");
        if (Files.isRegularFile(f)) {
            try {
                State s = JSON.readValue(f.toFile(), State.class);
                if (hash.equals(s.sourceHash())) return s;
            } catch (IOException e) {
                // an unreadable state starts over (the verified code is rebuilt)
            }
        }
        return new State(hash, Map.of(), Map.of(), List.of(), 0, 0, 0);
    }

    private static void save(Path dir, State s) {
        try {
            Files.createDirectories(dir);
            Path tmp = dir.resolve("state.json.tmp");
            JSON.writeValue(tmp.toFile(), s);
            Files.move(tmp, dir.resolve("state.json"), java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot save the translation state in " + dir + ": " + e.getMessage(), e);
        }
    }

    /** A Cargo workspace: the translated crate, the C program with the translated functions removed, how to link them, and the report. */
    private static void writeWorkspace(Path dir, CProgram program, Map<String, String> code, List<UnitReport> reports) {
        try {
            Path ws = dir.resolve("workspace");
            Files.createDirectories(ws.resolve("translated/src"));
            Files.writeString(ws.resolve("Cargo.toml"), "[workspace]\nmembers = [\"translated\"]\nresolver = \"2\"\n");
            Files.writeString(ws.resolve("translated/Cargo.toml"), FfiHarness.CRATE_MANIFEST);
            Files.writeString(ws.resolve("translated/src/lib.rs"), FfiHarness.libRs(code));
            Files.writeString(ws.resolve("program.c"), FfiHarness.cShell(program, functionsOf(program, code.keySet())));
            Files.writeString(ws.resolve("build.sh"), """
                    #!/bin/sh
                    # Builds the translated crate and links it with what is left of the C program.
                    set -e
                    cd "$(dirname "$0")"
                    cargo build --offline --release
                    gcc -O0 -w program.c -o program target/release/libtranslated.a -lm -lpthread -ldl
                    """);
            JSON.writeValue(ws.resolve("units.json").toFile(), reports);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the workspace under " + dir + ": " + e.getMessage(), e);
        }
    }

    static String sha(String s) {
        return carto.ingest.Ingestor.sha1(s.getBytes(StandardCharsets.UTF_8));
    }
}
