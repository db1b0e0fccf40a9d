package carto.agents.completion;

import carto.inference.Fixtures;
import carto.inference.fim.CompletionSession;
import carto.inference.kv.EditableCache;
import carto.inference.kv.KvCache;
import carto.inference.lm.CancelToken;
import carto.inference.lm.GenerationOptions;
import carto.inference.model.Model;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Sessions of one model: bounded memory with LRU eviction and clear statuses, and no interference between concurrent sessions. */
class SessionManagerTest {
    static Model model;
    static final String DOC = "def add(a, b):\n    return a + b\n\n\ndef mul(a, b):\n    result = 0\n    for _ in range(b):\n        result += a\n    return result\n";

    @BeforeAll
    static void load() {
        model = Model.load(Fixtures.fixture("models/synthetic-qwen2-fim-e256-q8_0.gguf"), 2);
    }

    @AfterAll
    static void close() {
        if (model != null) model.close();
    }

    static SessionManager manager(int sessionsThatFit, EditableCache.Mode mode) {
        long bytes = KvCache.bytesFor(model.config(), 512) * sessionsThatFit;
        return new SessionManager(model, new SessionManager.Config(bytes, mode, 0, 64), null);
    }

    static SessionManager.OpenRequest doc(String text) {
        return new SessionManager.OpenRequest(text, text.length() / 2, "m.py", null, null, null, 512);
    }

    @Test
    void leastRecentlyUsedSessionsAreEvictedWithAClearStatus() {
        SessionManager m = manager(2, EditableCache.Mode.PIE);
        String a = m.open(doc(DOC)).id();
        String b = m.open(doc(DOC + "# b\n")).id();
        m.edit(a, List.of(new CompletionSession.TextEdit(0, 0, "# a\n"))); // a is now the most recently used
        String c = m.open(doc(DOC + "# c\n")).id();
        var gone = assertThrows(SessionManager.SessionException.class, () -> m.edit(b, List.of(new CompletionSession.TextEdit(0, 0, "x"))));
        assertEquals(SessionManager.SessionException.Kind.GONE, gone.kind);
        assertTrue(gone.getMessage().contains("evicted") && gone.getMessage().contains("POST /v1/sessions"), gone.getMessage());
        assertEquals(java.util.Set.of(a, c), java.util.Set.copyOf(m.list().stream().map(SessionManager.Info::id).toList()));
        assertTrue(m.usedBytes() <= m.config().maxCacheBytes());
        assertEquals("# a\n" + DOC, m.document(a));
        // closing answers "gone" too, with its own reason; unknown ids are "not found"
        m.close(c);
        var closed = assertThrows(SessionManager.SessionException.class, () -> m.info(c));
        assertTrue(closed.getMessage().contains("closed"), closed.getMessage());
        var unknown = assertThrows(SessionManager.SessionException.class, () -> m.info("sess-nope"));
        assertEquals(SessionManager.SessionException.Kind.NOT_FOUND, unknown.kind);
    }

    @Test
    void aSessionLargerThanTheLimitIsRefused() {
        SessionManager m = manager(1, EditableCache.Mode.PIE);
        var e = assertThrows(SessionManager.SessionException.class,
                () -> m.open(new SessionManager.OpenRequest(DOC, 0, null, null, null, null, 4096)));
        assertEquals(SessionManager.SessionException.Kind.TOO_LARGE, e.kind);
        assertTrue(e.getMessage().contains("--session-memory"), e.getMessage());
        assertTrue(m.list().isEmpty());
        // a bad cursor is refused before any memory is taken
        assertThrows(IllegalArgumentException.class, () -> m.open(new SessionManager.OpenRequest(DOC, DOC.length() + 1, null, null, null, null, 512)));
        assertTrue(m.list().isEmpty());
    }

    @Test
    void concurrentSessionsGiveWhatTheSameWorkGivesAlone() throws Exception {
        int threads = 4;
        SessionManager shared = manager(threads, EditableCache.Mode.PIE);
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<List<String>>> results = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int seed = t;
                results.add(pool.submit(() -> script(shared, seed)));
            }
            for (int t = 0; t < threads; t++) {
                List<String> concurrent = results.get(t).get();
                List<String> alone = script(manager(1, EditableCache.Mode.PIE), t);
                assertEquals(alone, concurrent, "session " + t + " was disturbed by the others");
            }
        } finally {
            pool.shutdownNow();
        }
    }

    /** Edits and completions on one session; returns the document and completion after each step. */
    static List<String> script(SessionManager m, int seed) {
        Random rnd = new Random(seed);
        String id = m.open(doc(DOC.repeat(1 + seed % 2))).id();
        List<String> out = new ArrayList<>();
        for (int step = 0; step < 12; step++) {
            String d = m.document(id);
            int at = rnd.nextInt(d.length() + 1);
            m.edit(id, List.of(new CompletionSession.TextEdit(at, Math.min(d.length(), at + rnd.nextInt(3)), "x" + step)));
            SessionManager.CompleteResult r = m.complete(id, rnd.nextInt(m.document(id).length() + 1), GenerationOptions.greedy(4), null, CancelToken.none());
            out.add(m.document(id) + "|" + r.result().text() + "|" + r.result().generated());
        }
        return out;
    }

    @Test
    void editsOfOneSessionFromManyThreadsAreSerialized() throws Exception {
        SessionManager m = manager(1, EditableCache.Mode.PIE);
        String id = m.open(doc(DOC)).id();
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<?>> fs = new ArrayList<>();
            for (int i = 0; i < 40; i++) fs.add(pool.submit(() -> m.edit(id, List.of(new CompletionSession.TextEdit(0, 0, "#")))));
            for (Future<?> f : fs) f.get();
        } finally {
            pool.shutdownNow();
        }
        assertEquals("#".repeat(40) + DOC, m.document(id));
        // the cached prompt is exactly the fresh one: a PIE-mode completion equals an exact-mode one on a fresh session
        SessionManager fresh = manager(1, EditableCache.Mode.EXACT);
        String f = fresh.open(new SessionManager.OpenRequest("#".repeat(40) + DOC, 0, "m.py", null, null, null, 512)).id();
        assertEquals(fresh.info(f).tokens(), m.info(id).tokens());
    }
}
