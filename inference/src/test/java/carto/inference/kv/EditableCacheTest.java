package carto.inference.kv;

import carto.inference.Fixtures;
import carto.inference.model.ContextOverflowException;
import carto.inference.model.Model;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
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

/**
 * PIE where it is exact: layer-0 keys and values depend only on a token and its position, so
 * after any edit the re-rotated cache must equal a full recompute there. EXACT mode must equal a
 * fresh encode everywhere. Run on the real stories260K (llama, adjacent-pair RoPE) and the
 * synthetic qwen2 model (NEOX RoPE, k bias).
 */
class EditableCacheTest {
    static final Map<String, Model> models = new HashMap<>();
    static final String TEXT = "Once upon a time, there was a little girl named Lily. She loved to play outside in the park. "
            + "One day, she saw a big red ball under a tree. She ran to get it, but a dog took the ball and ran away. Lily was sad.";

    @BeforeAll
    static void load() {
        models.put("stories260K-f32", Model.load(Fixtures.fixture("models/stories260K-f32.gguf"), 2));
        models.put("synthetic-qwen2-fim-e256-q8_0", Model.load(Fixtures.fixture("models/synthetic-qwen2-fim-e256-q8_0.gguf"), 2));
    }

    @AfterAll
    static void close() {
        models.values().forEach(Model::close);
    }

    static int[] tokens(Model m) {
        return m.tokenizer().encode(TEXT, true, false);
    }

    static KvCache fresh(Model m, int[] tokens, int capacity) {
        KvCache c = m.newCache(capacity);
        m.encode(c, tokens, 0);
        return c;
    }

    /** Largest |a-b| over positions [from, to) of one layer's keys (or values), relative to the largest |b|. */
    static double relDiff(float[] a, float[] b, int kvDim, int from, int to) {
        double diff = 0, scale = 1e-6;
        for (int i = from * kvDim; i < to * kvDim; i++) {
            diff = Math.max(diff, Math.abs(a[i] - b[i]));
            scale = Math.max(scale, Math.abs(b[i]));
        }
        return diff / scale;
    }

    @ParameterizedTest
    @ValueSource(strings = {"stories260K-f32", "synthetic-qwen2-fim-e256-q8_0"})
    void pieInsertionRerotatesShiftedKeysToFullRecompute(String name) {
        Model m = models.get(name);
        int[] base = tokens(m);
        int[] insert = m.tokenizer().encodeContinuation(" and her brother Tom");
        EditableCache pie = new EditableCache(m, 256);
        pie.reset(base);
        EditableCache splice = new EditableCache(m, 256);
        splice.reset(base);
        List<EditableCache.Edit> edit = List.of(new EditableCache.Edit(12, 0, insert));
        EditableCache.Stats st = pie.apply(edit, EditableCache.Mode.PIE);
        splice.apply(edit, EditableCache.Mode.SPLICE);
        assertEquals(insert.length, st.reencoded());
        assertEquals(base.length - 12, st.rotated());
        int[] after = EditableCache.applied(base, edit);
        assertArrayEquals(after, pie.tokens());
        KvCache full = fresh(m, after, 256);
        int kvDim = full.kvDim();
        int shiftedFrom = 12 + insert.length;
        double keyErr = relDiff(pie.kv().keys(0), full.keys(0), kvDim, shiftedFrom, after.length);
        assertTrue(keyErr < 1e-4, name + ": re-rotated layer-0 keys differ from recompute by " + keyErr);
        assertTrue(relDiff(pie.kv().values(0), full.values(0), kvDim, shiftedFrom, after.length) < 1e-5, "values are moved untouched");
        // the inserted tokens and the untouched prefix match too
        assertTrue(relDiff(pie.kv().keys(0), full.keys(0), kvDim, 0, shiftedFrom) < 1e-5);
        // without re-rotation the keys sit at the wrong angle: the check above can fail
        double spliceErr = relDiff(splice.kv().keys(0), full.keys(0), kvDim, shiftedFrom, after.length);
        assertTrue(spliceErr > 1e-2, name + ": splice keys unexpectedly equal recompute (" + spliceErr + ")");
    }

    @ParameterizedTest
    @ValueSource(strings = {"stories260K-f32", "synthetic-qwen2-fim-e256-q8_0"})
    void pieLayerZeroEqualsRecomputeAfterDeletionsReplacementsAndMultiEdits(String name) {
        Model m = models.get(name);
        Random rnd = new Random(7);
        EditableCache pie = new EditableCache(m, 256);
        int[] current = tokens(m);
        pie.reset(current);
        for (int round = 0; round < 12; round++) {
            List<EditableCache.Edit> edits = randomEdits(rnd, current.length, m.config().vocab());
            pie.apply(edits, EditableCache.Mode.PIE);
            current = EditableCache.applied(current, edits);
            assertArrayEquals(current, pie.tokens());
            KvCache full = fresh(m, current, 256);
            double k = relDiff(pie.kv().keys(0), full.keys(0), full.kvDim(), 0, current.length);
            double v = relDiff(pie.kv().values(0), full.values(0), full.kvDim(), 0, current.length);
            assertTrue(k < 2e-4 && v < 1e-5, name + " round " + round + ": layer 0 differs from recompute (keys " + k + ", values " + v + ") after " + edits);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"stories260K-f32", "synthetic-qwen2-fim-e256-q8_0"})
    void exactModeLogitsEqualFreshEncodeAfterAnyEditSequence(String name) {
        Model m = models.get(name);
        Random rnd = new Random(11);
        EditableCache exact = new EditableCache(m, 256);
        int[] current = tokens(m);
        exact.reset(current);
        for (int round = 0; round < 10; round++) {
            List<EditableCache.Edit> edits = randomEdits(rnd, current.length, m.config().vocab());
            EditableCache.Stats st = exact.apply(edits, EditableCache.Mode.EXACT);
            current = EditableCache.applied(current, edits);
            assertEquals(current.length - edits.getFirst().position(), st.reencoded());
            float[] got = exact.lastLogits();
            KvCache full = m.newCache(256);
            float[] want = m.forward(full, current, 0, false);
            double err = 0;
            for (int i = 0; i < want.length; i++) err = Math.max(err, Math.abs(got[i] - want[i]));
            assertTrue(err < 1e-4, name + " round " + round + ": exact-mode logits differ from a fresh encode by " + err);
            // and every layer's cache, not only the logits
            for (int l = 0; l < full.layers(); l++) {
                assertTrue(relDiff(exact.kv().keys(l), full.keys(l), full.kvDim(), 0, current.length) < 1e-5, "layer " + l);
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"stories260K-f32"})
    void badEditsFailClearlyAndLeaveTheCacheAsItWas(String name) {
        Model m = models.get(name);
        int[] base = tokens(m);
        EditableCache c = new EditableCache(m, base.length + 8);
        c.reset(base);
        float[] before = c.lastLogits();
        KvCache snapshot = c.kv().copy();
        var overlap = assertThrows(IllegalArgumentException.class, () -> c.apply(List.of(new EditableCache.Edit(5, 3, new int[]{7}),
                new EditableCache.Edit(6, 0, new int[]{8})), EditableCache.Mode.PIE));
        assertTrue(overlap.getMessage().contains("overlap"), overlap.getMessage());
        var past = assertThrows(IllegalArgumentException.class, () -> c.apply(List.of(new EditableCache.Edit(base.length - 1, 5, new int[0])),
                EditableCache.Mode.PIE));
        assertTrue(past.getMessage().contains("past the end"), past.getMessage());
        var badToken = assertThrows(IllegalArgumentException.class, () -> c.apply(List.of(new EditableCache.Edit(3, 0, new int[]{1, 999_999})),
                EditableCache.Mode.PIE));
        assertTrue(badToken.getMessage().contains("999999"), badToken.getMessage());
        var full = assertThrows(ContextOverflowException.class, () -> c.apply(List.of(new EditableCache.Edit(3, 0, new int[20])),
                EditableCache.Mode.PIE));
        assertTrue(full.getMessage().contains("larger context"), full.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new EditableCache.Edit(-1, 0, new int[0]));
        assertArrayEquals(base, c.tokens());
        assertTrue(relDiff(c.kv().keys(0), snapshot.keys(0), c.kv().kvDim(), 0, base.length) == 0, "keys untouched");
        assertArrayEquals(before, c.lastLogits());
    }

    /** One to three non-overlapping edits (insert, delete, replace), sorted, in old coordinates. */
    static List<EditableCache.Edit> randomEdits(Random rnd, int length, int vocab) {
        List<EditableCache.Edit> out = new ArrayList<>();
        int n = 1 + rnd.nextInt(3);
        int pos = 1; // keep BOS
        for (int i = 0; i < n && pos < length; i++) {
            int at = pos + rnd.nextInt(Math.max(1, (length - pos) / (n - i)));
            if (at > length) break;
            int del = Math.min(length - at, rnd.nextInt(4));
            int ins = rnd.nextInt(5);
            if (del == 0 && ins == 0) ins = 1;
            int[] tokens = new int[ins];
            for (int k = 0; k < ins; k++) tokens[k] = 3 + rnd.nextInt(Math.min(vocab, 500) - 3);
            out.add(new EditableCache.Edit(at, del, tokens));
            pos = at + del + 1;
        }
        return out;
    }
}
