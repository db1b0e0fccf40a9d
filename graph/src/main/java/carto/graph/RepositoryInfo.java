package carto.graph;

import java.time.Instant;

/**
 * A repository in the graph: where it is, which commit was ingested, and when; {@code ingestFinished}
 * is false while an ingest writes it, or after one was killed half-way (the next ingest redoes it).
 */
public record RepositoryInfo(String id, String name, String path, String remoteUrl, String commit, Instant ingestedAt,
                             long files, long astNodes, boolean ingestFinished) {}
