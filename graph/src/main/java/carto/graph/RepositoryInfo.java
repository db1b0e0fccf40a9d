package carto.graph;

import java.time.Instant;

/** A repository in the graph: where it is, which commit was ingested, and when. */
public record RepositoryInfo(String id, String name, String path, String remoteUrl, String commit, Instant ingestedAt,
                             long files, long astNodes) {}
