package carto.ingest;

import carto.ingest.parse.AstDepth;

/**
 * How to ingest: repository id (derived from the folder when null), AST depth, file size limit,
 * worker threads, and whether to reuse what the graph already holds for unchanged files.
 */
public record IngestOptions(String repoId, AstDepth depth, long maxFileSize, int threads, boolean incremental) {
    public static final long DEFAULT_MAX_FILE_SIZE = 2L * 1024 * 1024;

    public static IngestOptions defaults() {
        return new IngestOptions(null, AstDepth.STATEMENTS, DEFAULT_MAX_FILE_SIZE, Math.max(1, Runtime.getRuntime().availableProcessors()), true);
    }

    public IngestOptions withRepoId(String id) {
        return new IngestOptions(id, depth, maxFileSize, threads, incremental);
    }
}
