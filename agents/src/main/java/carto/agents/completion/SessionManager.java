package carto.agents.completion;

import carto.inference.fim.CompletionSession;
import carto.inference.kv.EditableCache;
import carto.inference.kv.KvCache;
import carto.inference.lm.CancelToken;
import carto.inference.lm.FimRequest;
import carto.inference.lm.GenerationOptions;
import carto.inference.lm.TokenSink;
import carto.inference.model.Model;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;

/**
 * Completion sessions of one local model, one per open document, each keeping its KV cache.
 * Memory is bounded: opening a session that would exceed the limit evicts the least recently
 * used idle sessions; a request for an evicted session gets a clear "gone" answer. Requests on
 * one session are serialized; different sessions run concurrently without sharing state.
 */
public final class SessionManager implements AutoCloseable {
    /** Limits and defaults: cache memory for all sessions, the default mode, graph context budget (0 = none). */
    public record Config(long maxCacheBytes, EditableCache.Mode defaultMode, int contextTokenBudget, int maxSessions) {
        public static Config defaults(long heapBytes) {
            return new Config(Math.max(64L << 20, heapBytes / 4), EditableCache.Mode.PIE, 1024, 256);
        }
    }

    /** What a client asks for when it opens a document. {@code capacity} 0 sizes the cache from the document. */
    public record OpenRequest(String text, int cursor, String path, String repoId, String repoName, EditableCache.Mode mode, int capacity) {}

    /** A session as clients see it. */
    public record Info(String id, String path, String repoId, String mode, int cursor, int documentLength, int tokens, int capacity,
                       long cacheBytes, int contextFiles, long createdMillis, long lastUsedMillis) {}

    /** Why a session cannot be used. */
    public static final class SessionException extends RuntimeException {
        public enum Kind { NOT_FOUND, GONE, TOO_LARGE, BUSY }

        public final Kind kind;

        SessionException(Kind kind, String message) {
            super(message);
            this.kind = kind;
        }
    }

    /** Builds repository context for a document (null when the session has no repository or there is no graph). */
    public interface ContextSource {
        GraphContext.Result context(String repoId, String path, String document, int cursor, int tokenBudget);
    }

    private final class Entry {
        final String id = "sess-" + UUID.randomUUID().toString().replace("-", "").substring(0, 20);
        final ReentrantLock lock = new ReentrantLock();
        final CompletionSession session;
        final String path, repoId, repoName;
        final long created = System.currentTimeMillis();
        final long bytes;
        volatile long lastUsed = System.nanoTime();
        volatile long lastUsedMillis = System.currentTimeMillis();
        volatile boolean closed;
        volatile int contextFiles;

        Entry(CompletionSession s, String path, String repoId, String repoName) {
            this.session = s;
            this.path = path;
            this.repoId = repoId;
            this.repoName = repoName;
            this.bytes = s.cacheBytes();
        }

        Info info() {
            return new Info(id, path, repoId, session.mode().name().toLowerCase(java.util.Locale.ROOT), session.cursor(), session.document().length(),
                    session.tokens(), session.capacity(), bytes, contextFiles, created, lastUsedMillis);
        }
    }

    private final Model model;
    private final Config config;
    private final ContextSource contextSource;
    private final Map<String, Entry> sessions = new ConcurrentHashMap<>();
    /** Recently evicted or closed ids with the reason, so clients learn why (bounded). */
    private final Map<String, String> gone = java.util.Collections.synchronizedMap(new LinkedHashMap<>(64, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, String> e) {
            return size() > 4096;
        }
    });
    private final Object admission = new Object();

    public SessionManager(Model model, Config config, ContextSource contextSource) {
        this.model = model;
        this.config = config;
        this.contextSource = contextSource;
    }

    public Model model() {
        return model;
    }

    public Config config() {
        return config;
    }

    /** Opens a session: sizes its cache, makes room (evicting idle sessions, least recently used first), encodes the prompt. */
    public Info open(OpenRequest r) {
        if (r.text() == null) throw new IllegalArgumentException("the document text is missing");
        if (r.cursor() < 0 || r.cursor() > r.text().length()) {
            throw new IllegalArgumentException("cursor " + r.cursor() + " is outside the document (0.." + r.text().length() + ")");
        }
        int docTokens = model.tokenizer().encode(r.text(), false, false).length;
        int budget = r.repoId() != null && contextSource != null ? config.contextTokenBudget() : 0;
        int capacity = r.capacity() > 0 ? r.capacity() : roundUp(docTokens + budget + 64 + Math.max(512, docTokens / 4));
        int trainCtx = model.config().contextTrain();
        if (r.capacity() <= 0 && trainCtx > 0 && capacity > trainCtx && docTokens + budget + 320 <= trainCtx) capacity = trainCtx;
        long bytes = KvCache.bytesFor(model.config(), capacity);
        if (bytes > config.maxCacheBytes()) {
            throw new SessionException(SessionException.Kind.TOO_LARGE, String.format(java.util.Locale.ROOT,
                    "the document needs a %,d-token cache (%.1f MiB) but all sessions together may use %.1f MiB; close other sessions, "
                            + "open a smaller context, or start the server with a larger --session-memory",
                    capacity, bytes / 1048576.0, config.maxCacheBytes() / 1048576.0));
        }
        EditableCache.Mode mode = r.mode() != null ? r.mode() : config.defaultMode();
        Entry e;
        synchronized (admission) {
            makeRoom(bytes);
            CompletionSession s = CompletionSession.open(model, capacity, mode);
            e = new Entry(s, r.path(), r.repoId(), r.repoName() != null ? r.repoName() : r.repoId());
            sessions.put(e.id, e);
        }
        e.lock.lock();
        try {
            int room = capacity - Math.min(256, capacity / 4) - docTokens - 32;
            List<FimRequest.ContextFile> ctx = context(e, r.text(), r.cursor(), Math.min(budget, room));
            e.session.open(r.text(), r.cursor(), r.path(), e.repoName, ctx);
            e.contextFiles = ctx.size();
            touch(e);
            return e.info();
        } catch (RuntimeException ex) {
            sessions.remove(e.id);
            throw ex;
        } finally {
            e.lock.unlock();
        }
    }

    private static int roundUp(int n) {
        return (n + 255) / 256 * 256;
    }

    private List<FimRequest.ContextFile> context(Entry e, String text, int cursor, int budget) {
        if (e.repoId == null || contextSource == null || budget <= 0) return List.of();
        GraphContext.Result r = contextSource.context(e.repoId, e.path, text, cursor, budget);
        return r == null ? List.of() : r.files();
    }

    /** Context tokens that still fit beside the document and the completion's reserve. */
    private int budgetFor(CompletionSession s) {
        return Math.min(config.contextTokenBudget(), s.capacity() - s.reserve() - s.documentTokens() - 32);
    }

    /** Evicts idle sessions, least recently used first, until {@code bytes} more fit. */
    private void makeRoom(long bytes) {
        while (true) {
            long used = sessions.values().stream().mapToLong(x -> x.bytes).sum();
            if (used + bytes <= config.maxCacheBytes() && sessions.size() < config.maxSessions()) return;
            List<Entry> byAge = new ArrayList<>(sessions.values());
            byAge.sort(Comparator.comparingLong(x -> x.lastUsed));
            boolean evicted = false;
            for (Entry victim : byAge) {
                if (!victim.lock.tryLock()) continue; // in use right now
                try {
                    sessions.remove(victim.id);
                    victim.closed = true;
                    gone.put(victim.id, "it was evicted (least recently used) to stay within the session memory limit of "
                            + (config.maxCacheBytes() >> 20) + " MiB");
                    evicted = true;
                } finally {
                    victim.lock.unlock();
                }
                break;
            }
            if (!evicted) {
                throw new SessionException(SessionException.Kind.BUSY, "all session memory is held by sessions that are busy right now; retry shortly");
            }
        }
    }

    private Entry get(String id) {
        Entry e = sessions.get(id);
        if (e != null) return e;
        String why = gone.get(id);
        if (why != null) throw new SessionException(SessionException.Kind.GONE, "session " + id + " is gone: " + why + "; open the document again with POST /v1/sessions");
        throw new SessionException(SessionException.Kind.NOT_FOUND, "no session " + id + "; open one with POST /v1/sessions");
    }

    /** Runs {@code op} holding the session's lock; fails clearly if it was evicted meanwhile. */
    private <T> T with(String id, Function<Entry, T> op) {
        Entry e = get(id);
        e.lock.lock();
        try {
            if (e.closed) get(id); // evicted or closed while we waited: throws the reason
            T out = op.apply(e);
            touch(e);
            return out;
        } finally {
            e.lock.unlock();
        }
    }

    private static void touch(Entry e) {
        e.lastUsed = System.nanoTime();
        e.lastUsedMillis = System.currentTimeMillis();
    }

    public Info info(String id) {
        Entry e = get(id);
        return e.info();
    }

    public List<Info> list() {
        return sessions.values().stream().sorted(Comparator.comparingLong((Entry x) -> x.created).thenComparing(x -> x.id)).map(Entry::info).toList();
    }

    /** What an edit did, with the session after it. */
    public record EditResult(Info session, EditableCache.Stats stats) {}

    /** Applies edits (each in the coordinates left by the previous one). */
    public EditResult edit(String id, List<CompletionSession.TextEdit> edits) {
        return edit(id, doc -> edits);
    }

    /** Applies the edits {@code build} makes from the current document (positions resolved under the session's lock). */
    public EditResult edit(String id, Function<String, List<CompletionSession.TextEdit>> build) {
        return with(id, e -> {
            EditableCache.Stats st = e.session.edit(build.apply(e.session.document()));
            return new EditResult(e.info(), st);
        });
    }

    /** The session's document as it stands. */
    public String document(String id) {
        return with(id, e -> e.session.document());
    }

    /** A completion with the repository context it used. */
    public record CompleteResult(CompletionSession.Result result, int contextFiles, double contextMillis) {}

    /** Completes at {@code cursor} (or the session's cursor when negative), refreshing repository context for that place first. */
    public CompleteResult complete(String id, int cursor, GenerationOptions options, TokenSink sink, CancelToken cancel) {
        return complete(id, doc -> cursor, options, sink, cancel);
    }

    /** Completes at the cursor {@code cursorOf} finds in the current document (negative: the session's cursor). */
    public CompleteResult complete(String id, java.util.function.ToIntFunction<String> cursorOf, GenerationOptions options, TokenSink sink,
                                   CancelToken cancel) {
        return with(id, e -> {
            int cursor = cursorOf.applyAsInt(e.session.document());
            int at = cursor < 0 ? e.session.cursor() : cursor;
            if (at > e.session.document().length()) {
                throw new IllegalArgumentException("cursor " + at + " is outside the document (0.." + e.session.document().length() + ")");
            }
            double ctxMs = 0;
            int budget = budgetFor(e.session);
            if (e.repoId != null && contextSource != null && budget > 0) {
                long t = System.nanoTime();
                GraphContext.Result r = contextSource.context(e.repoId, e.path, e.session.document(), at, budget);
                if (r != null) {
                    try {
                        e.session.setContext(e.path, e.repoName, r.files());
                        e.contextFiles = r.files().size();
                    } catch (carto.inference.model.ContextOverflowException full) {
                        // the new context does not fit beside the document: complete with the one the cache holds
                    }
                }
                ctxMs = (System.nanoTime() - t) / 1e6;
            }
            return new CompleteResult(e.session.complete(at, options, sink, cancel), e.contextFiles, ctxMs);
        });
    }

    public void close(String id) {
        Entry e = get(id);
        e.lock.lock();
        try {
            if (sessions.remove(id) != null) {
                e.closed = true;
                gone.put(id, "it was closed (DELETE)");
            }
        } finally {
            e.lock.unlock();
        }
    }

    public long usedBytes() {
        return sessions.values().stream().mapToLong(x -> x.bytes).sum();
    }

    @Override
    public void close() {
        for (String id : new ArrayList<>(sessions.keySet())) {
            Entry e = sessions.remove(id);
            if (e != null) {
                e.closed = true;
                gone.put(id, "the server's model was unloaded");
            }
        }
    }
}
