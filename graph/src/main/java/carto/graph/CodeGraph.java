package carto.graph;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The knowledge-graph store: repositories, their file tree, ASTs, text chunks and semantic
 * edges. Every operation is scoped to one repository id and runs parameterized Cypher.
 */
public interface CodeGraph extends AutoCloseable {
    /** Creates indexes and constraints if they do not exist. */
    void initSchema();

    /**
     * Creates or updates the Repository node, before an ingest writes anything else: it marks the
     * repository's ingest as unfinished until {@link #finishIngest}.
     */
    void upsertRepository(String id, String name, String path, String remoteUrl, String commit);

    /** Records that an ingest wrote everything: its files, their semantic edges and the search index. */
    void finishIngest(String repoId);

    /**
     * Whether the last ingest that wrote to this repository finished. One killed half-way (Ctrl-C,
     * a crash) leaves files whose content hashes are current but whose semantic edges (or index
     * entries) were never written, which a re-ingest comparing hashes would never redo. True for a
     * repository the graph does not hold, or one written by a Carto that did not record it.
     */
    boolean lastIngestFinished(String repoId);

    Optional<RepositoryInfo> repository(String id);

    List<RepositoryInfo> repositories();

    /** Removes a repository and everything under it. */
    void deleteRepository(String id);

    /** relativePath to contentHash of every file node (directories excluded), for incremental ingest. */
    Map<String, String> fileHashes(String repoId);

    /**
     * What a re-ingest compares with: every file's content hash, whether the last ingest finished,
     * and the folder the repository was ingested from (null: not stored, or not told by an older plugin).
     */
    record StoredFiles(Map<String, String> hashes, boolean lastIngestFinished, String path) {}

    /** {@link #fileHashes}, {@link #lastIngestFinished} and the repository's folder in one query. */
    StoredFiles storedFiles(String repoId);

    /** Removes files with their AST, text chunks and every semantic edge touching them. */
    void deleteFiles(String repoId, Collection<String> paths);

    /** Writes files (creating missing directory nodes) with their AST and text. Returns nodes and edges written. */
    long[] writeFiles(String repoId, List<FileGraph> files);

    /** Removes the semantic edges that start in these files, then writes the new ones. Returns edges written. */
    default long replaceSemanticEdges(String repoId, Collection<String> fromFiles, List<SemanticEdge> edges) {
        return replaceSemanticEdges(repoId, fromFiles, edges, false);
    }

    /**
     * {@link #replaceSemanticEdges(String, Collection, List)}, the last write of an ingest when
     * {@code finishIngest}: it then also records the ingest as finished ({@link #finishIngest}), in
     * the transaction of the last edges.
     */
    long replaceSemanticEdges(String repoId, Collection<String> fromFiles, List<SemanticEdge> edges, boolean finishIngest);

    /** Files that use any of {@code names}, or import any of {@code importedPaths}: what a change can affect. */
    List<String> filesReferencing(String repoId, Collection<String> names, Collection<String> importedPaths);

    /** The stored shapes of these files, for those that have one. */
    Map<String, StoredShape> fileShapes(String repoId, Collection<String> paths);

    /** A file's shape hash and its parts (see {@link FileGraph.FileNode}). */
    record StoredShape(String hash, List<String> parts) {}

    /**
     * The semantic edges that end in these files (at their definitions, or at the file for
     * IMPORTS) and start in other files: what re-writing them would remove.
     */
    List<SemanticEdge> semanticEdgesInto(String repoId, Collection<String> paths);

    /** Definitions of the repository: name to (path, startByte) pairs, for cross-file name resolution. */
    List<Definition> definitions(String repoId);

    /** A definition as resolution needs it. */
    record Definition(String path, String name, String kind, String qualifiedName, int startByte, int endByte, int startLine, int endLine) {}

    /** Node and relationship counts of a repository. */
    long[] counts(String repoId);

    @Override
    void close();
}
