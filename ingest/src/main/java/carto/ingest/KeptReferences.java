package carto.ingest;

import carto.ingest.parse.RawReference;
import carto.ingest.semantic.SoftLru;

import java.nio.file.Path;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The names each file uses, kept by a long-running process (carto serve, a benchmark) per
 * repository, so a re-ingest resolves the files that depend on a changed one without parsing
 * them again: one changed C file of redis has eight dependents, whose parse took 1.2 s of a
 * 1.4 s re-ingest. An entry counts only for the content it was taken from (by hash). Softly
 * referenced, at most two repositories: under memory pressure the collector drops them and the
 * files are parsed again.
 */
final class KeptReferences {
    private static final SoftLru<Path, Map<String, Kept>> REPOSITORIES = new SoftLru<>(2);

    /** {@code stamp}: what the references were taken from, the content hash and anything else they depend on. */
    private record Kept(String stamp, List<RawReference> references) {}

    private final Map<String, Kept> files;

    private KeptReferences(Map<String, Kept> files) {
        this.files = files;
    }

    /** The references kept for the repository at {@code root}, empty the first time (or after the collector dropped them). */
    static KeptReferences of(Path root) {
        return new KeptReferences(REPOSITORIES.computeIfAbsent(root, ConcurrentHashMap::new));
    }

    /** The references of {@code path} if they were taken from what {@code stamp} names, else null. */
    List<RawReference> get(String path, String stamp) {
        Kept e = files.get(path);
        return e != null && e.stamp().equals(stamp) ? e.references() : null;
    }

    void put(String path, String stamp, List<RawReference> references) {
        files.put(path, new Kept(stamp, List.copyOf(references)));
    }

    void remove(Collection<String> paths) {
        paths.forEach(files::remove);
    }

    /** Forgets every repository: the next re-ingest parses its dependents again. */
    static void clear() {
        REPOSITORIES.clear();
    }
}
