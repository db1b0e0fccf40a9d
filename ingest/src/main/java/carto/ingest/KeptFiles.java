package carto.ingest;

import carto.ingest.semantic.SoftLru;

import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * What a long-running process (carto serve, a benchmark) read from each file of a repository,
 * by the file's size and modification time, so a re-ingest reads again only the files whose size
 * or time changed, as git's index does: reading, hashing and decoding curl's 3,559 files took
 * 0.27 s of a 0.5 s one-file re-ingest. An entry counts only when the file's time lies a second
 * or more before the moment it was read; a file written in the same second as the read (a
 * file system may keep whole seconds) could change again without its time moving, so it is read
 * again. Softly referenced, at most two repositories: under memory pressure the collector drops
 * them and the files are read again.
 */
final class KeptFiles<T> {
    private static final SoftLru<Path, Map<String, Entry>> REPOSITORIES = new SoftLru<>(2);
    private static final long SETTLED_NANOS = TimeUnit.SECONDS.toNanos(1);

    private record Entry(long size, long modified, Object value) {}

    private final Map<String, Entry> files;

    private KeptFiles(Map<String, Entry> files) {
        this.files = files;
    }

    /** The files kept for the repository at {@code root}, none the first time (or after the collector dropped them). */
    static <T> KeptFiles<T> of(Path root) {
        return new KeptFiles<>(REPOSITORIES.computeIfAbsent(root, ConcurrentHashMap::new));
    }

    /** What was read from {@code path} when it had this size and modification time (epoch nanoseconds), else null. */
    @SuppressWarnings("unchecked")
    T get(String path, long size, long modified) {
        Entry e = files.get(path);
        return e != null && e.size() == size && e.modified() == modified ? (T) e.value() : null;
    }

    /**
     * Keeps what was read from {@code path}, of this size and modification time, at {@code readAt}
     * (epoch nanoseconds, taken before reading); not when the file changed too shortly before.
     */
    void put(String path, long size, long modified, long readAt, T value) {
        if (modified <= readAt - SETTLED_NANOS) files.put(path, new Entry(size, modified, value));
        else files.remove(path);
    }

    /** Forgets the files not in {@code paths} (deleted, or no longer walked). */
    void retain(Set<String> paths) {
        files.keySet().retainAll(paths);
    }

    /** The current time in epoch nanoseconds, to stamp a read with. */
    static long now() {
        java.time.Instant t = java.time.Instant.now();
        return TimeUnit.SECONDS.toNanos(t.getEpochSecond()) + t.getNano();
    }

    /** Forgets every repository. */
    static void clear() {
        REPOSITORIES.clear();
    }
}
