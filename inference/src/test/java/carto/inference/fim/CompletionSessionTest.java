package carto.inference.fim;

import carto.inference.Fixtures;
import carto.inference.kv.EditableCache;
import carto.inference.kv.KvCache;
import carto.inference.lm.CancelToken;
import carto.inference.lm.FimRequest;
import carto.inference.lm.FinishReason;
import carto.inference.lm.GenerationOptions;
import carto.inference.model.ContextOverflowException;
import carto.inference.model.Model;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A document session: edits and cursor moves keep the cached prompt equal to a fresh FIM prompt of the current text. */
class CompletionSessionTest {
    static final Map<String, Model> models = new HashMap<>();
    static final String DOC = """
            def mean(values):
                total = 0
                for v in values:
                    total += v
                return total / len(values)


            def median(values):
                s = sorted(values)
                n = len(s)
                if n % 2:
                    return s[n // 2]
                return (s[n // 2 - 1] + s[n // 2]) / 2
            """;

    @BeforeAll
    static void load() {
        for (String m : new String[]{"synthetic-qwen2-fim-e256-q8_0", "synthetic-llama-dscoder-q8_0"}) {
            models.put(m, Model.load(Fixtures.fixture("models/" + m + ".gguf"), 2));
        }
    }

    @AfterAll
    static void close() {
        models.values().forEach(Model::close);
    }

    @ParameterizedTest
    @ValueSource(strings = {"synthetic-qwen2-fim-e256-q8_0", "synthetic-llama-dscoder-q8_0"})
    void openedPromptIsTheModelsFimPrompt(String name) {
        Model m = models.get(name);
        CompletionSession s = CompletionSession.open(m, 1024, EditableCache.Mode.PIE);
        int cursor = DOC.indexOf("for v");
        s.open(DOC, cursor, null, null, List.of());
        int[] want = s.format().prompt(m.tokenizer(), FimRequest.of(DOC.substring(0, cursor), DOC.substring(cursor)));
        assertArrayEquals(want, s.promptTokens());
    }

    @ParameterizedTest
    @ValueSource(strings = {"synthetic-qwen2-fim-e256-q8_0", "synthetic-llama-dscoder-q8_0"})
    void typingDeletingPastingAndMovingKeepThePromptExact(String name) {
        Model m = models.get(name);
        for (EditableCache.Mode mode : EditableCache.Mode.values()) {
            CompletionSession s = CompletionSession.open(m, 1024, mode);
            Random rnd = new Random(42);
            s.open(DOC, DOC.indexOf("total = 0") + 9, "stats.py", "demo", List.of(new FimRequest.ContextFile("util.py", "def clamp(x): return x\n")));
            for (int step = 0; step < 40; step++) {
                String doc = s.document();
                int cur = s.cursor();
                java.util.function.IntUnaryOperator fix = i -> i > 0 && i < doc.length() && Character.isLowSurrogate(doc.charAt(i)) ? i - 1 : i;
                switch (rnd.nextInt(6)) {
                    case 0 -> s.edit(List.of(new CompletionSession.TextEdit(cur, cur, "x")));                       // typing
                    case 1 -> { if (cur > 0) s.edit(List.of(new CompletionSession.TextEdit(cur - 1, cur, ""))); }    // backspace
                    case 2 -> {                                                                                    // paste elsewhere
                        int at = fix.applyAsInt(rnd.nextInt(doc.length() + 1));
                        s.edit(List.of(new CompletionSession.TextEdit(at, at, "\n    # note: é 🙂\n")));
                    }
                    case 3 -> {                                                                                    // a selection over the cursor
                        int a = fix.applyAsInt(Math.max(0, cur - rnd.nextInt(8))), b = fix.applyAsInt(Math.min(doc.length(), cur + rnd.nextInt(8)));
                        s.edit(List.of(new CompletionSession.TextEdit(a, b, "y = 1")));
                    }
                    case 4 -> s.moveCursor(fix.applyAsInt(rnd.nextInt(doc.length() + 1)));
                    default -> {                                                                                   // two edits at once
                        int a = fix.applyAsInt(rnd.nextInt(doc.length() / 2)), b = fix.applyAsInt(doc.length() / 2 + rnd.nextInt(doc.length() / 2));
                        int bEnd = fix.applyAsInt(Math.min(doc.length(), b + 2)), aEnd = Math.min(b, a + Character.charCount(doc.codePointAt(a)));
                        // edits apply one after the other: the later position first keeps the earlier one valid
                        s.edit(List.of(new CompletionSession.TextEdit(b, bEnd, "zz"), new CompletionSession.TextEdit(a, aEnd, "")));
                    }
                }
                assertArrayEquals(s.freshPrompt(), s.promptTokens(), name + " " + mode + " step " + step);
            }
            if (mode == EditableCache.Mode.EXACT) {
                // the cache is exactly a fresh encode: same next-token logits
                Model model = s.model();
                KvCache fresh = model.newCache(1024);
                float[] want = model.forward(fresh, s.freshPrompt(), 0, false);
                float[] got = s.nextTokenLogits();
                double err = 0;
                for (int i = 0; i < want.length; i++) err = Math.max(err, Math.abs(want[i] - got[i]));
                assertTrue(err < 1e-3, "exact session logits differ from a fresh encode by " + err);
            }
        }
    }

    @Test
    void completionStartsWithTheArgmaxOfAFreshPromptAndLeavesTheDocumentAlone() {
        Model m = models.get("synthetic-qwen2-fim-e256-q8_0");
        CompletionSession s = CompletionSession.open(m, 1024, EditableCache.Mode.EXACT);
        s.open(DOC, 0, null, null, List.of());
        int at = DOC.indexOf("return total");
        List<String> streamed = new ArrayList<>();
        CompletionSession.Result r = s.complete(at, GenerationOptions.greedy(8), streamed::add, CancelToken.none());
        assertEquals(at, s.cursor());
        assertEquals(DOC, s.document());
        assertArrayEquals(s.freshPrompt(), s.promptTokens(), "generated tokens are not part of the document");
        assertTrue(r.generated() <= 8);
        assertTrue(r.finishReason() == FinishReason.STOP || r.finishReason() == FinishReason.LENGTH);
        assertEquals(r.text(), String.join("", streamed));
        // the first generated token is the argmax of a fresh encode of the same prompt
        float[] logits = m.forward(m.newCache(1024), s.freshPrompt(), 0, false);
        int best = 0;
        for (int i = 1; i < logits.length; i++) if (logits[i] > logits[best]) best = i;
        if (!s.format().isStop(best)) {
            String first = m.tokenizer().decode(new int[]{best}, false);
            assertTrue(r.generated() >= 1);
            assertTrue(r.text().isEmpty() || r.text().startsWith(first) || first.startsWith(r.text()), "'" + r.text() + "' vs '" + first + "'");
        } else {
            assertEquals(0, r.generated());
        }
    }

    @Test
    void badEditsAndCursorsFailWithoutChangingTheSession() {
        Model m = models.get("synthetic-qwen2-fim-e256-q8_0");
        CompletionSession s = CompletionSession.open(m, 400, EditableCache.Mode.PIE);
        s.open(DOC, 10, null, null, List.of());
        int[] tokens = s.promptTokens();
        var outside = assertThrows(IllegalArgumentException.class, () -> s.edit(List.of(new CompletionSession.TextEdit(5, DOC.length() + 3, ""))));
        assertTrue(outside.getMessage().contains("outside the document"), outside.getMessage());
        // the second edit is bad: the first must not have been applied either
        var second = assertThrows(IllegalArgumentException.class, () -> s.edit(List.of(new CompletionSession.TextEdit(0, 0, "abc"),
                new CompletionSession.TextEdit(9, 4, ""))));
        assertTrue(second.getMessage().startsWith("edit 1"), second.getMessage());
        assertThrows(IllegalArgumentException.class, () -> s.moveCursor(-1));
        assertThrows(IllegalArgumentException.class, () -> s.moveCursor(DOC.length() + 1));
        // offsets are UTF-16 units: splitting a surrogate pair, or sending half of one, is refused
        s.edit(List.of(new CompletionSession.TextEdit(0, 0, "🙂")));
        var split = assertThrows(IllegalArgumentException.class, () -> s.edit(List.of(new CompletionSession.TextEdit(1, 1, "x"))));
        assertTrue(split.getMessage().contains("surrogate pair"), split.getMessage());
        var half = assertThrows(IllegalArgumentException.class, () -> s.edit(List.of(new CompletionSession.TextEdit(0, 0, "\uD83D"))));
        assertTrue(half.getMessage().contains("unpaired"), half.getMessage());
        s.edit(List.of(new CompletionSession.TextEdit(0, 2, "")));
        // a paste that no longer fits the context: clear error, the document and cache as they were
        var big = assertThrows(ContextOverflowException.class, () -> s.edit(List.of(new CompletionSession.TextEdit(0, 0, "x = 1\n"),
                new CompletionSession.TextEdit(3, 3, DOC.repeat(20)))));
        assertTrue(big.getMessage().contains("larger context"), big.getMessage());
        assertEquals(DOC, s.document());
        assertEquals(10, s.cursor());
        assertArrayEquals(tokens, s.promptTokens());
        assertArrayEquals(s.freshPrompt(), s.promptTokens());
    }

    @Test
    void aModelWithoutFimTokensIsRefused() {
        Model stories = Model.load(Fixtures.fixture("models/stories260K-f32.gguf"), 1);
        try {
            var e = assertThrows(IllegalArgumentException.class, () -> CompletionSession.open(stories, 256, EditableCache.Mode.PIE));
            assertTrue(e.getMessage().contains("no fill-in-the-middle tokens"), e.getMessage());
        } finally {
            stories.close();
        }
    }

    @Test
    void changingTheRepositoryContextKeepsTheDocument() {
        Model m = models.get("synthetic-qwen2-fim-e256-q8_0");
        CompletionSession s = CompletionSession.open(m, 1024, EditableCache.Mode.PIE);
        s.open(DOC, 40, "stats.py", "demo", List.of(new FimRequest.ContextFile("a.py", "A = 1\n")));
        EditableCache.Stats st = s.setContext("stats.py", "demo", List.of(new FimRequest.ContextFile("b.py", "B = 2\nC = 3\n")));
        assertArrayEquals(s.freshPrompt(), s.promptTokens());
        int documentTokens = s.promptTokens().length - s.format().lead(m.tokenizer(), new FimRequest("", "", "stats.py", "demo",
                List.of(new FimRequest.ContextFile("b.py", "B = 2\nC = 3\n")))).length;
        assertTrue(st.reencoded() <= 14, "only the changed context tokens are encoded, got " + st.reencoded());
        assertTrue(st.rotated() >= documentTokens - 1, "the document's tokens are moved and re-rotated, not re-encoded: " + st);
        assertTrue(m.tokenizer().decode(s.promptTokens(), true).contains("b.py\nB = 2\nC = 3\n"));
    }
}
