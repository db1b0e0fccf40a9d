package carto.ingest;

import carto.graph.CodeGraph;
import carto.ingest.parse.AstDepth;
import carto.ingest.semantic.SoftLru;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * The definitions a long-running process (carto serve, a benchmark) last wrote for a repository,
 * so its next re-ingest need not read them all back from the graph (jackson-databind: about 0.15 s
 * of a one-file re-ingest). Definitions follow from the files' contents (and the set of paths,
 * which names Python's packages), so they are used only when the content hashes the graph holds now
 * are exactly those they were taken with: an ingest that failed half-way, or another process
 * writing the same repository, shows as a different set of hashes and the graph is read instead.
 * Softly referenced, at most two repositories.
 */
final class KeptDefinitions {
    private record Key(Path root, String repoId, AstDepth depth) {}

    private record Kept(Map<String, String> hashes, List<CodeGraph.Definition> definitions) {}

    private static final SoftLru<Key, Kept> REPOSITORIES = new SoftLru<>(2);

    private KeptDefinitions() {}

    /** The definitions kept for this repository if the graph's files have exactly these content hashes, else null. */
    static List<CodeGraph.Definition> matching(Path root, String repoId, AstDepth depth, Map<String, String> hashes) {
        Kept kept = REPOSITORIES.get(new Key(root, repoId, depth));
        return kept != null && kept.hashes().equals(hashes) ? kept.definitions() : null;
    }

    /** Keeps what an ingest that completed wrote: every file's content hash and every definition. */
    static void put(Path root, String repoId, AstDepth depth, Map<String, String> hashes, List<CodeGraph.Definition> definitions) {
        REPOSITORIES.put(new Key(root, repoId, depth), new Kept(Map.copyOf(hashes), List.copyOf(definitions)));
    }

    /** Forgets every repository: the next re-ingest reads the definitions from the graph. */
    static void clear() {
        REPOSITORIES.clear();
    }
}
