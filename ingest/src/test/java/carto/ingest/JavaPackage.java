package carto.ingest;

import carto.graph.TestGraph;
import carto.graph.neo4j.Neo4jCodeGraph;
import carto.graph.search.CodeIndex;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * A repository of one Java package {@code p} in Maven's layout (or of any files), written from
 * sources and ingested into the test graph.
 */
final class JavaPackage {
    private JavaPackage() {}

    /** Writes {@code sources} (file name to text) under {@code dir/repoId/src/main/java/p} and ingests that repository as {@code repoId}. */
    static Neo4jCodeGraph ingest(Path dir, String repoId, Map<String, String> sources) throws IOException {
        Map<String, String> files = new java.util.HashMap<>();
        sources.forEach((name, text) -> files.put("src/main/java/p/" + name, text));
        return ingestFiles(dir, repoId, files);
    }

    /** Writes {@code files} (relative path to text) under {@code dir/repoId} and ingests that repository as {@code repoId}. */
    static Neo4jCodeGraph ingestFiles(Path dir, String repoId, Map<String, String> files) throws IOException {
        Path repo = dir.resolve(repoId);
        for (Map.Entry<String, String> e : files.entrySet()) {
            Path file = repo.resolve(e.getKey());
            Files.createDirectories(file.getParent());
            Files.writeString(file, e.getValue());
        }
        Neo4jCodeGraph g = TestGraph.graph();
        try (CodeIndex index = CodeIndex.open(dir.resolve(repoId + "-index"))) {
            new Ingestor(g, index).ingest(repo, IngestOptions.defaults().withRepoId(repoId), IngestListener.NONE);
        }
        return g;
    }

    /** The repository's calls between definitions, as "caller -> callee's qualified name, resolution, line", sorted. */
    static List<String> calls(Neo4jCodeGraph g, String repoId) {
        return calls(g, repoId, false);
    }

    /** As {@link #calls(Neo4jCodeGraph, String)}; {@code calleeLine}: with the callee's first line after its name ("p.A.f(line 3)"), for overloads. */
    static List<String> calls(Neo4jCodeGraph g, String repoId, boolean calleeLine) {
        return g.read("calls", tx -> tx.run("""
                MATCH (a:AstNode {repoId: $r})-[c:CALLS]->(b:AstNode {repoId: $r})
                RETURN a.name + ' -> ' + b.qualifiedName + CASE WHEN $at THEN '(line ' + b.startLine + ')' ELSE '' END
                       + ' ' + c.resolution + ' line ' + c.line AS e ORDER BY e""",
                Map.of("r", repoId, "at", calleeLine)).list(rec -> rec.get("e").asString()));
    }
}
