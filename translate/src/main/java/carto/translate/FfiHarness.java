package carto.translate;

import carto.agents.sandbox.CommandResult;
import carto.agents.sandbox.CommandRunner;
import carto.agents.sandbox.Limits;
import carto.agents.sandbox.SandboxException;
import carto.translate.analysis.CProgram;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Verifies translated functions by linking them back into the C program: their bodies are
 * deleted from the C source (prototypes kept, {@code static} dropped, globals they use made
 * linkable), the Rust is built as a static library with {@code cargo build --offline} (std only),
 * linked with gcc, and the program's own tests run — all inside the sandbox.
 */
public final class FfiHarness {
    /** The outcome: whether it passed, where it failed (compile, link, test, timeout), the log, and the failing test. */
    public record Verification(boolean passed, String stage, String log, String failure) {}

    /** The translated crate's manifest: a static library the C program links, and an rlib for Rust tests. */
    static final String CRATE_MANIFEST = """
            [package]
            name = "translated"
            version = "0.1.0"
            edition = "2021"

            [lib]
            crate-type = ["staticlib", "rlib"]
            """;

    static final String PRELUDE = """
            #![allow(non_snake_case, non_camel_case_types, non_upper_case_globals, unused_imports, unused_mut, unused_variables, dead_code,
                     unused_parens, unused_assignments, unused_unsafe)]
            use std::os::raw::{c_char, c_double, c_float, c_int, c_long, c_longlong, c_short, c_uint, c_ulong, c_ulonglong, c_ushort, c_void};
            """;

    private final CommandRunner runner;
    private final Limits buildLimits;
    private final Duration testTimeout;
    private final boolean valgrind;

    public FfiHarness(CommandRunner runner, Limits buildLimits, Duration testTimeout) {
        this(runner, buildLimits, testTimeout, false);
    }

    /** {@code valgrind}: run every test under valgrind (memory errors fail the test). */
    public FfiHarness(CommandRunner runner, Limits buildLimits, Duration testTimeout, boolean valgrind) {
        this.runner = runner;
        this.buildLimits = buildLimits;
        this.testTimeout = testTimeout;
        this.valgrind = valgrind;
    }

    /** Checks that gcc and cargo can run here (inside the sandbox), with the fix when they cannot. */
    public void requireToolchains(Path work) {
        try {
            Files.createDirectories(work);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        List<String[]> tools = new ArrayList<>(List.of(new String[]{"gcc", "gcc (Debian/Ubuntu: apt-get install gcc)"},
                new String[]{"cargo", "cargo and rustc (https://rustup.rs, or apt-get install cargo)"}));
        if (valgrind) tools.add(new String[]{"valgrind", "valgrind (apt-get install valgrind), or run without --valgrind"});
        for (String[] tool : tools) {
            CommandResult r = runner.run("command -v " + tool[0] + " >/dev/null && " + tool[0] + " --version", work, buildLimits.withTimeout(Duration.ofSeconds(60)));
            if (!r.ok()) throw new SandboxException(tool[0] + " is not available to build translations; install " + tool[1] + " and try again");
        }
    }

    /** The C source with these functions' bodies removed (prototypes kept) and stdout unbuffered so C and Rust output interleave correctly. */
    public static String cShell(CProgram program, Set<String> translated) {
        String src = program.source();
        List<CProgram.Item> cut = program.functions().stream().filter(f -> translated.contains(f.name()))
                .sorted(Comparator.comparingInt(CProgram.Item::startByte).reversed()).toList();
        Set<String> globalsUsed = new LinkedHashSet<>();
        for (CProgram.Item f : cut) globalsUsed.addAll(f.uses());
        // byte offsets: replaced from the end so earlier offsets stay valid
        String result = src;
        for (CProgram.Item f : cut) {
            String proto = f.name().equals("main") ? "" : f.signature().replaceAll("\\bstatic\\s+", "").replaceAll("\\binline\\s+", "") + ";";
            result = replaceBytes(result, f.startByte(), f.endByte(), proto);
        }
        for (CProgram.Item g : program.globals().stream().sorted(Comparator.comparingInt(CProgram.Item::startByte).reversed()).toList()) {
            if (g.isStatic() && globalsUsed.contains(g.name())) {
                result = replaceBytes(result, g.startByte(), g.endByte(), g.text().replaceFirst("^\\s*static\\s+", ""));
            }
        }
        // a preprocessed source declares stdio itself (including it again would redefine its types): the hook goes after it
        boolean expanded = !src.contains("#include") && src.contains("setvbuf");
        String hook = "__attribute__((constructor)) static void carto_unbuffered_stdout(void) { setvbuf(stdout, (void *) 0, 2 /* _IONBF */, 0); }\n";
        return expanded ? result + "\n" + hook : "#include <stdio.h>\n" + hook + result;
    }

    private static String replaceBytes(String s, int start, int end, String with) {
        byte[] b = s.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        return new String(b, 0, start, java.nio.charset.StandardCharsets.UTF_8) + with + new String(b, end, b.length - end, java.nio.charset.StandardCharsets.UTF_8);
    }

    /** The crate's lib.rs: the prelude, the units' {@code use} lines once, then their code in order. */
    public static String libRs(Map<String, String> units) {
        Set<String> uses = new LinkedHashSet<>();
        StringBuilder body = new StringBuilder();
        for (var e : units.entrySet()) {
            body.append("// ---- ").append(e.getKey()).append(" ----\n");
            for (String line : e.getValue().split("\n", -1)) {
                String t = line.strip();
                if (t.startsWith("#![")) continue;
                if (t.startsWith("use ") && t.endsWith(";") && !line.startsWith(" ")) {
                    if (!PRELUDE.contains(t)) uses.add(t);
                    continue;
                }
                body.append(line).append('\n');
            }
        }
        return PRELUDE + String.join("\n", uses) + (uses.isEmpty() ? "" : "\n") + "\n" + body;
    }

    /** Builds the crate, links it into the C shell and runs the tests; {@code dir} is the program's work folder (the cargo target is shared within it). */
    public Verification verify(CProgram program, Map<String, String> units, Set<String> translated, ProgramTests tests, Path dir) {
        try {
            Path crate = dir.resolve("crate");
            Files.createDirectories(crate.resolve("src"));
            Files.writeString(crate.resolve("Cargo.toml"), CRATE_MANIFEST + """
                    path = "src/lib.rs"

                    [profile.release]
                    debug = false
                    incremental = true
                    """);
            Files.writeString(crate.resolve("src/lib.rs"), libRs(units));
            Files.writeString(dir.resolve("program.c"), cShell(program, translated));
            Files.createDirectories(dir.resolve("tests"));
            for (int i = 0; i < tests.cases().size(); i++) {
                String in = tests.stdinFile(i);
                if (in != null) Files.writeString(dir.resolve("tests/in" + i + ".txt"), in);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the verification files under " + dir + ": " + e.getMessage(), e);
        }
        CommandResult build = runner.run("cargo build --offline --release --quiet --manifest-path crate/Cargo.toml", dir, buildLimits);
        if (!build.ok()) return new Verification(false, build.timedOut() ? "timeout" : "compile", build.output(), "the Rust code does not compile");
        CommandResult link = runner.run("gcc -O0 -w program.c -o prog crate/target/release/libtranslated.a -lm -lpthread -ldl", dir, buildLimits);
        if (!link.ok()) return new Verification(false, "link", link.output(), "linking the Rust library into the C program failed");
        Limits testLimits = buildLimits.withTimeout(testTimeout);
        List<String> log = new ArrayList<>();
        for (int i = 0; i < tests.cases().size(); i++) {
            CommandResult r = runner.run(tests.command(valgrind ? "valgrind -q --error-exitcode=99 --leak-check=no ./prog" : "./prog", i), dir, testLimits);
            if (r.timedOut()) return new Verification(false, "timeout", r.summary(), "test " + i + " timed out after " + testTimeout.toSeconds() + " s");
            String problem = tests.check(i, r.exitCode(), r.output());
            if (problem != null) return new Verification(false, "test", r.summary(), problem);
            log.add("test " + i + " passed");
        }
        return new Verification(true, "test", String.join("\n", log), null);
    }

    /** Warnings clippy reports on a translated workspace, or -1 when clippy is not installed. */
    public int clippyWarnings(Path workspace) {
        CommandResult probe = runner.run("cargo clippy --version", workspace, buildLimits.withTimeout(Duration.ofSeconds(60)));
        if (!probe.ok()) return -1;
        CommandResult r = runner.run("cargo clippy --offline --release --message-format=short 2>&1", workspace, buildLimits);
        if (r.timedOut()) return -1;
        int n = 0;
        for (String line : r.output().split("\n")) if (line.contains(": warning: ") && !line.contains("generated")) n++;
        return n;
    }

    /** The program after {@code gcc -E} (for sources whose macros hide their structure from the parser), or null when gcc cannot preprocess it. */
    public String preprocess(String source, Path dir) {
        try {
            Files.createDirectories(dir);
            Files.writeString(dir.resolve("input.c"), source);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        CommandResult r = runner.run("gcc -E -P -w input.c -o preprocessed.c", dir, buildLimits.withTimeout(Duration.ofSeconds(60)));
        if (!r.ok()) return null;
        try {
            return Files.readString(dir.resolve("preprocessed.c"));
        } catch (IOException e) {
            return null;
        }
    }

    /** Runs the original C program's tests, so a task whose own tests fail is reported, not blamed on the translation. */
    public Verification verifyOriginal(CProgram program, ProgramTests tests, Path dir) {
        return verify(program, Map.of(), Set.of(), tests, dir);
    }
}
