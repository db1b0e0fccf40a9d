package carto.translate;

import carto.agents.ScriptedModel;
import carto.agents.sandbox.CommandRunner;
import carto.agents.sandbox.Limits;
import carto.agents.sandbox.SandboxException;
import carto.inference.Fixtures;
import carto.inference.Requirements;
import carto.inference.lm.CancelToken;
import carto.inference.lm.LocalLanguageModel;
import carto.translate.analysis.CAnalyzer;
import carto.translate.analysis.CProgram;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** C-to-Rust translation of real SACTOR programs, verified by linking each unit back into the C program and running its tests. */
class TranslatorTest {
    @TempDir
    Path tmp;
    static String source;
    static ProgramTests tests;
    static final CommandRunner RUNNER = Toolchains.runner(false);
    static final FfiHarness HARNESS = new FfiHarness(RUNNER, new Limits(Duration.ofMinutes(5), 4L << 30, 256 << 10), Duration.ofSeconds(10));

    private static final Requirements NEEDS = new Requirements();

    @BeforeEach
    void needs() {
        NEEDS.assume();
    }

    @BeforeAll
    static void load() throws Exception {
        Path dataset = Fixtures.datasetIfPresent("sactor");
        NEEDS.need(dataset != null, "../shared/datasets/sactor is absent; the translation tests use its programs")
                .need(RUNNER.bubblewrapAvailable(), "bubblewrap is not installed: apt-get install bubblewrap")
                .need(Toolchains.available(), "cargo and gcc are needed to verify translations (rustup.rs; apt-get install gcc)");
        if (!NEEDS.met()) return;
        var task = new ObjectMapper().readTree(Files.readAllLines(dataset.resolve("tasks.jsonl")).stream()
                .filter(l -> l.contains("transcoder-ir/DOUBLE_FACTORIAL_1")).findFirst().orElseThrow());
        source = task.path("c_code").asText();
        tests = ProgramTests.of(task);
    }

    static ScriptedModel model(Map<String, String> uni, Map<String, String> idio) {
        return new ScriptedModel().contextLength(16384).otherwise(msgs -> {
            String[] u = RustFor.unitOf(msgs);
            return RustFor.fenced((u[1].equals("idiomatic") ? idio : uni).get(u[0]));
        });
    }

    @Test
    void analysisFindsTheFunctionsAndOrdersDependenciesFirst() {
        CProgram p = CAnalyzer.analyze(source);
        assertEquals(List.of("min", "max", "cmpfunc", "sort", "f_gold", "f_filled", "main"), p.functions().stream().map(CProgram.Item::name).toList());
        assertTrue(p.item("main").orElseThrow().uses().containsAll(List.of("f_gold", "f_filled")));
        assertTrue(p.item("sort").orElseThrow().uses().contains("cmpfunc"));
        List<String> flat = p.order().stream().flatMap(List::stream).toList();
        assertTrue(flat.indexOf("cmpfunc") < flat.indexOf("sort"));
        assertTrue(flat.indexOf("f_gold") < flat.indexOf("main") && flat.indexOf("f_filled") < flat.indexOf("main"));
        assertTrue(p.items().stream().anyMatch(i -> i.kind() == CProgram.Kind.MACRO && i.name().equals("len")));

        CProgram cyc = CAnalyzer.analyze("""
                struct point { int x; int y; };
                typedef struct point point_t;
                int counter = 0;
                int is_odd(int n);
                int is_even(int n) { counter++; return n == 0 ? 1 : is_odd(n - 1); }
                int is_odd(int n) { return n == 0 ? 0 : is_even(n - 1); }
                int norm(point_t p) { return p.x * p.x + p.y * p.y; }
                int main(void) { point_t p = {3, 4}; return is_even(4) + norm(p) - 26 + counter - 5; }
                """);
        assertTrue(cyc.order().contains(List.of("is_even", "is_odd")) || cyc.order().contains(List.of("is_odd", "is_even")), cyc.order().toString());
        List<String> order = cyc.order().stream().flatMap(List::stream).toList();
        assertTrue(order.indexOf("point") < order.indexOf("norm"), "the struct before the function using it: " + order);
        assertTrue(cyc.item("is_even").orElseThrow().uses().contains("counter"));
        assertEquals(List.of("counter"), cyc.globals().stream().map(CProgram.Item::name).toList());
    }

    @Test
    void aCorrectTranslationPassesBothPasses() throws Exception {
        ScriptedModel m = model(RustFor.UNIDIOMATIC, RustFor.IDIOMATIC);
        List<Translator.Event> events = new ArrayList<>();
        Translator.ProgramReport r = new Translator(m, HARNESS, new Translator.Options(3, true, 1024, true))
                .translate("DOUBLE_FACTORIAL_1", source, tests, tmp, events::add, CancelToken.none());
        assertTrue(r.clippyWarnings() >= 0, "clippy reviewed the crate (it is installed here)");
        assertFalse(r.preprocessed());
        assertTrue(r.translated(), r.toString());
        assertTrue(r.idiomatic(), r.toString());
        assertEquals(7, r.units().stream().filter(u -> u.pass().equals("unidiomatic") && u.status().equals("passed")).count());
        assertEquals(6, r.units().stream().filter(u -> u.pass().equals("idiomatic") && u.status().equals("passed")).count());
        var f = r.units().stream().filter(u -> u.unit().equals("f_gold") && u.pass().equals("idiomatic")).findFirst().orElseThrow();
        assertEquals(0, f.unsafeBlocks());
        assertEquals(1, f.attempts());
        assertTrue(r.units().stream().filter(u -> u.unit().equals("cmpfunc") && u.pass().equals("unidiomatic")).findFirst().orElseThrow().rawPointers() >= 2);
        Path ws = tmp.resolve("workspace");
        assertTrue(Files.readString(ws.resolve("translated/src/lib.rs")).contains("pub fn f_gold_idiomatic"));
        assertFalse(Files.readString(ws.resolve("program.c")).contains("res *= i"), "every C function body is gone from the shell");
        assertEquals(13, m.conversations().size(), "one model call per unit and pass");
        assertTrue(events.stream().anyMatch(e -> e.what().equals("passed") && e.unit().equals("main")));
    }

    @Test
    void aWrongTranslationIsRejectedAndItsDependentsBlocked() {
        Map<String, String> wrong = new java.util.HashMap<>(RustFor.UNIDIOMATIC);
        wrong.put("f_gold", RustFor.factorial("f_gold", 1)); // off by one: steps by 1 instead of 2
        Translator.ProgramReport r = new Translator(model(wrong, RustFor.IDIOMATIC), HARNESS, new Translator.Options(2, true, 1024))
                .translate("DOUBLE_FACTORIAL_1", source, tests, tmp, null, CancelToken.none());
        assertFalse(r.translated());
        var f = r.units().stream().filter(u -> u.unit().equals("f_gold")).findFirst().orElseThrow();
        assertEquals("failed", f.status());
        assertEquals(2, f.attempts());
        assertTrue(f.lastError().contains("expected exit code 0"), f.lastError());
        var main = r.units().stream().filter(u -> u.unit().equals("main")).findFirst().orElseThrow();
        assertEquals("blocked", main.status());
        assertTrue(main.lastError().contains("f_gold"));
        assertEquals("passed", r.units().stream().filter(u -> u.unit().equals("f_filled")).findFirst().orElseThrow().status());
        assertTrue(r.units().stream().noneMatch(u -> u.pass().equals("idiomatic")), "no idiomatic pass over a program that is not fully translated");
    }

    @Test
    void aCompileErrorGoesBackToTheModelAndIsFixed() throws Exception {
        String small = """
                #include <stdio.h>
                int twice(int x) { return 2 * x; }
                int main(int argc, char **argv) { printf("%d\\n", twice(argc)); return 0; }
                """;
        AtomicInteger calls = new AtomicInteger();
        List<String> prompts = new ArrayList<>();
        ScriptedModel m = new ScriptedModel().contextLength(16384).otherwise(msgs -> {
            prompts.add(msgs.getLast().content());
            calls.incrementAndGet();
            String[] u = RustFor.unitOf(msgs);
            if (u[0].equals("twice")) {
                return msgs.getLast().content().contains("It failed:")
                        ? RustFor.fenced("#[no_mangle]\npub extern \"C\" fn twice(x: c_int) -> c_int { 2 * x }\n")
                        : RustFor.fenced("#[no_mangle]\npub extern \"C\" fn twice(x: c_int) -> c_int { 2 * x as i64 }\n");
            }
            return RustFor.fenced("extern \"C\" { fn printf(fmt: *const c_char, ...) -> c_int; }\n#[no_mangle]\n"
                    + "pub extern \"C\" fn main(argc: c_int, _argv: *const *const c_char) -> c_int {\n"
                    + "    unsafe { printf(b\"%d\\n\\0\".as_ptr() as *const c_char, twice(argc)); }\n    0\n}\n");
        });
        ProgramTests t = new ProgramTests(ProgramTests.Feed.ARGS, List.of(new ProgramTests.Case("", null, "2"), new ProgramTests.Case("a b", null, "6")));
        Translator.ProgramReport r = new Translator(m, HARNESS, new Translator.Options(3, false, 512)).translate("twice", small, t, tmp, null, CancelToken.none());
        assertTrue(r.translated(), r.toString());
        var twice = r.units().stream().filter(u -> u.unit().equals("twice")).findFirst().orElseThrow();
        assertEquals(2, twice.attempts());
        assertTrue(prompts.get(1).contains("mismatched types") || prompts.get(1).contains("error["), "the compiler output is fed back: " + prompts.get(1));
    }

    @Test
    void aTranslationThatHangsTimesOut() {
        Map<String, String> hang = new java.util.HashMap<>(RustFor.UNIDIOMATIC);
        hang.put("f_gold", "#[no_mangle]\npub extern \"C\" fn f_gold(n: c_uint) -> c_uint { let mut i = n; while i >= 0 { i = i.wrapping_add(0); } i }\n");
        FfiHarness quick = new FfiHarness(RUNNER, new Limits(Duration.ofMinutes(5), 4L << 30, 256 << 10), Duration.ofSeconds(2));
        Translator.ProgramReport r = new Translator(model(hang, RustFor.IDIOMATIC), quick, new Translator.Options(1, false, 512))
                .translate("DOUBLE_FACTORIAL_1", source, tests, tmp, null, CancelToken.none());
        var f = r.units().stream().filter(u -> u.unit().equals("f_gold")).findFirst().orElseThrow();
        assertEquals("failed", f.status());
        assertTrue(f.lastError().contains("timed out"), f.lastError());
    }

    @Test
    void anInterruptedRunResumesWithoutRedoingVerifiedUnits() {
        AtomicInteger asked = new AtomicInteger();
        ScriptedModel crashing = new ScriptedModel().contextLength(16384).otherwise(msgs -> {
            String[] u = RustFor.unitOf(msgs);
            if (u[0].equals("sort")) throw new IllegalStateException("the server was killed");
            asked.incrementAndGet();
            return RustFor.fenced(RustFor.UNIDIOMATIC.get(u[0]));
        });
        Translator.Options o = new Translator.Options(2, false, 512);
        assertThrows(IllegalStateException.class, () -> new Translator(crashing, HARNESS, o).translate("p", source, tests, tmp, null, CancelToken.none()));
        assertEquals(3, asked.get(), "min, max and cmpfunc were verified before the crash");
        List<String> askedAfter = new ArrayList<>();
        ScriptedModel good = new ScriptedModel().contextLength(16384).otherwise(msgs -> {
            String[] u = RustFor.unitOf(msgs);
            askedAfter.add(u[0]);
            return RustFor.fenced(RustFor.UNIDIOMATIC.get(u[0]));
        });
        Translator.ProgramReport r = new Translator(good, HARNESS, o).translate("p", source, tests, tmp, null, CancelToken.none());
        assertTrue(r.translated(), r.toString());
        assertEquals(List.of("sort", "f_gold", "f_filled", "main"), askedAfter);
    }

    @Test
    void cancellingStopsBetweenUnits() {
        CancelToken cancel = new CancelToken();
        ScriptedModel m = new ScriptedModel().contextLength(16384).otherwise(msgs -> {
            cancel.cancel();
            return RustFor.fenced(RustFor.UNIDIOMATIC.get(RustFor.unitOf(msgs)[0]));
        });
        assertThrows(carto.agents.llm.Agent.Cancelled.class,
                () -> new Translator(m, HARNESS, Translator.Options.defaults()).translate("p", source, tests, tmp, null, cancel));
    }

    @Test
    void missingToolchainsAreReportedClearly() {
        CommandRunner noCargo = new CommandRunner(false, Map.of("PATH", "/usr/bin:/bin"));
        SandboxException e = assertThrows(SandboxException.class,
                () -> new FfiHarness(noCargo, Limits.DEFAULT, Duration.ofSeconds(5)).requireToolchains(tmp));
        assertTrue(e.getMessage().contains("cargo is not available"), e.getMessage());
        HARNESS.requireToolchains(tmp);
        if (!Files.exists(Path.of("/usr/bin/valgrind"))) {
            SandboxException v = assertThrows(SandboxException.class,
                    () -> new FfiHarness(Toolchains.runner(false), Limits.DEFAULT, Duration.ofSeconds(5), true).requireToolchains(tmp));
            assertTrue(v.getMessage().contains("valgrind is not available"), v.getMessage());
        }

    }

    @Test
    void theRealLocalModelFailsHonestlyWithItsAttemptsRecorded() throws Exception {
        try (LocalLanguageModel m = LocalLanguageModel.load(Fixtures.fixture("models/stories260K-f32.gguf"), 2, 512)) {
            String small = "int twice(int x) { return 2 * x; }\nint main(int argc, char **argv) { return twice(argc) == 2 ? 0 : 1; }\n";
            ProgramTests t = new ProgramTests(ProgramTests.Feed.ARGS_EXITCODE, List.of(new ProgramTests.Case("", 0, null)));
            Translator.ProgramReport r = new Translator(m, HARNESS, new Translator.Options(2, true, 64)).translate("twice", small, t, tmp, null, CancelToken.none());
            assertFalse(r.translated());
            var twice = r.units().stream().filter(u -> u.unit().equals("twice")).findFirst().orElseThrow();
            assertEquals("failed", twice.status());
            assertEquals(2, twice.attempts());
            assertTrue(r.modelCalls() >= 2 && r.completionTokens() > 0);
            assertEquals("blocked", r.units().stream().filter(u -> u.unit().equals("main")).findFirst().orElseThrow().status());
            assertNull(twice.rust());
        }
    }

    @Test
    void aBatchTranslatesProgramsInParallelAndReports() throws Exception {
        String small = "#include <stdio.h>\nint twice(int x) { return 2 * x; }\nint main(int argc, char **argv) { printf(\"%d\\n\", twice(argc)); return 0; }\n";
        ProgramTests t = new ProgramTests(ProgramTests.Feed.ARGS, List.of(new ProgramTests.Case("", null, "2")));
        List<String> threads = java.util.Collections.synchronizedList(new ArrayList<>());
        ScriptedModel m = new ScriptedModel().contextLength(16384).otherwise(msgs -> {
            threads.add(Thread.currentThread().getName());
            String[] u = RustFor.unitOf(msgs);
            return u[0].equals("twice") ? RustFor.fenced("#[no_mangle]\npub extern \"C\" fn twice(x: c_int) -> c_int { 2 * x }\n")
                    : RustFor.fenced("extern \"C\" { fn printf(fmt: *const c_char, ...) -> c_int; }\n#[no_mangle]\n"
                    + "pub extern \"C\" fn main(argc: c_int, _argv: *const *const c_char) -> c_int {\n"
                    + "    unsafe { printf(b\"%d\\n\\0\".as_ptr() as *const c_char, twice(argc)); }\n    0\n}\n");
        });
        var programs = List.of(new TranslationBatch.Program("one", small, t), new TranslationBatch.Program("two", small, t));
        TranslationBatch.Report r = TranslationBatch.run(programs, m, HARNESS, new Translator.Options(2, false, 512), tmp, 2, s -> { }, CancelToken.none());
        assertEquals(2, r.translated());
        assertEquals(1.0, r.unidiomaticUnitRate());
        assertTrue(new java.util.HashSet<>(threads).size() >= 2, "two programs ran at once: " + threads);
        assertTrue(Files.readString(tmp.resolve("report.md")).contains("2 of 2 programs translated"));
        // a second run reads the finished programs back instead of translating them again
        int calls = m.conversations().size();
        TranslationBatch.run(programs, m, HARNESS, new Translator.Options(2, false, 512), tmp, 2, s -> { }, CancelToken.none());
        assertEquals(calls, m.conversations().size());
    }

    @Test
    void macrosThatHideTheStructureArePreprocessedFirst() {
        String hidden = "#include <stdio.h>\n#define BEGIN {\n#define END }\nint triple(int x) BEGIN return 3 * x; END\n"
                + "int main(int argc, char **argv) BEGIN printf(\"%d\\n\", triple(argc)); return 0; END\n";
        assertTrue(CAnalyzer.analyze(hidden).syntaxErrors(), "tree-sitter alone cannot see the functions");
        List<String> units = java.util.Collections.synchronizedList(new ArrayList<>());
        ScriptedModel m = new ScriptedModel().contextLength(16384).otherwise(msgs -> {
            String unit = RustFor.unitOf(msgs)[0];
            units.add(unit);
            return unit.equals("triple") ? RustFor.fenced("#[no_mangle]\npub extern \"C\" fn triple(x: c_int) -> c_int { 3 * x }\n")
                    : RustFor.fenced("extern \"C\" { fn printf(fmt: *const c_char, ...) -> c_int; }\n#[no_mangle]\n"
                    + "pub extern \"C\" fn main(argc: c_int, _argv: *const *const c_char) -> c_int {\n"
                    + "    unsafe { printf(b\"%d\\n\\0\".as_ptr() as *const c_char, triple(argc)); }\n    0\n}\n");
        });
        ProgramTests t = new ProgramTests(ProgramTests.Feed.ARGS, List.of(new ProgramTests.Case("a", null, "6")));
        Translator.ProgramReport r = new Translator(m, HARNESS, new Translator.Options(2, false, 512)).translate("hidden", hidden, t, tmp, null, CancelToken.none());
        assertTrue(r.preprocessed());
        assertTrue(r.translated(), r.toString());
        assertEquals(List.of("triple", "main"), units, "only the program's own functions are units, not the headers'");
    }
}
