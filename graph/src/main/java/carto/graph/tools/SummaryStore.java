package carto.graph.tools;

import carto.graph.neo4j.Neo4jCodeGraph;
import org.neo4j.driver.Value;

import java.time.Instant;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Summaries kept in the graph: a {@code Summary} node per summarized unit (keyed by repository
 * and unit key), linked with {@code SUMMARIZES} to the Repository, File (file or directory) or
 * AstNode it describes, and carrying the model, prompt version and content hash it was made
 * from, so it is reused until the code under it changes.
 */
public final class SummaryStore {
    /** One summary. {@code scope}: repository, directory, file, type, symbol. Lines are 0 for repository and directories. */
    public record Stored(String key, String scope, String path, String name, int startLine, int endLine, String text, String model,
                         String promptVersion, String contentHash, Instant createdAt) {}

    private final Neo4jCodeGraph graph;

    public SummaryStore(Neo4jCodeGraph graph) {
        this.graph = graph;
    }

    /** Stores (or refreshes) summaries and links each to what it summarizes. */
    public void save(String repoId, List<Stored> summaries) {
        if (summaries.isEmpty()) return;
        List<Map<String, Object>> rows = new ArrayList<>();
        for (Stored s : summaries) {
            Map<String, Object> m = new HashMap<>();
            m.put("key", s.key());
            m.put("scope", s.scope());
            m.put("path", s.path() == null ? "" : s.path());
            m.put("name", s.name() == null ? "" : s.name());
            m.put("startLine", s.startLine());
            m.put("endLine", s.endLine());
            m.put("text", s.text());
            m.put("model", s.model());
            m.put("promptVersion", s.promptVersion());
            m.put("contentHash", s.contentHash());
            rows.add(m);
        }
        graph.write("storing summaries", tx -> {
            Map<String, Object> p = Map.of("repo", repoId, "rows", rows);
            tx.run("""
                    UNWIND $rows AS row
                    MERGE (s:Summary {repoId: $repo, key: row.key})
                    SET s.createdAt = CASE WHEN s.contentHash = row.contentHash AND s.createdAt IS NOT NULL THEN s.createdAt ELSE datetime() END
                    SET s.scope = row.scope, s.path = row.path, s.name = row.name, s.startLine = row.startLine, s.endLine = row.endLine,
                        s.text = row.text, s.model = row.model, s.promptVersion = row.promptVersion, s.contentHash = row.contentHash
                    WITH s
                    OPTIONAL MATCH (s)-[old:SUMMARIZES]->()
                    DELETE old
                    """, p).consume();
            tx.run("""
                    UNWIND $rows AS row WITH row WHERE row.scope = 'repository'
                    MATCH (s:Summary {repoId: $repo, key: row.key}), (r:Repository {id: $repo})
                    MERGE (s)-[:SUMMARIZES]->(r)
                    """, p).consume();
            tx.run("""
                    UNWIND $rows AS row WITH row WHERE row.scope IN ['directory', 'file']
                    MATCH (s:Summary {repoId: $repo, key: row.key}), (f:File {repoId: $repo, relativePath: row.path})
                    MERGE (s)-[:SUMMARIZES]->(f)
                    """, p).consume();
            tx.run("""
                    UNWIND $rows AS row WITH row WHERE row.scope IN ['type', 'symbol']
                    MATCH (s:Summary {repoId: $repo, key: row.key})
                    CALL (s, row) {
                      MATCH (n:AstNode {repoId: $repo, path: row.path}) WHERE n.startByte IS NOT NULL AND n.kind IS NOT NULL AND n.startLine = row.startLine AND n.name = row.name
                      RETURN n LIMIT 1
                    }
                    MERGE (s)-[:SUMMARIZES]->(n)
                    """, p).consume();
            return null;
        });
    }

    public Optional<Stored> get(String repoId, String key) {
        return graph.read("reading a summary", tx -> tx.run("MATCH (s:Summary {repoId: $repo, key: $key}) RETURN s",
                Map.of("repo", repoId, "key", key)).stream().map(r -> stored(r.get("s"))).findFirst());
    }

    /** Every summary of a repository (optionally of one scope, optionally under a path), as a map by key. */
    public Map<String, Stored> all(String repoId) {
        Map<String, Stored> m = new HashMap<>();
        for (Stored s : list(repoId, null, null)) m.put(s.key(), s);
        return m;
    }

    public List<Stored> list(String repoId, String scope, String pathPrefix) {
        return graph.read("listing summaries", tx -> tx.run("""
                MATCH (s:Summary {repoId: $repo})
                WHERE ($scope IS NULL OR s.scope = $scope) AND ($prefix IS NULL OR s.path STARTS WITH $prefix)
                RETURN s ORDER BY s.path, s.startLine, s.key
                """, parameters(repoId, scope, pathPrefix)).list(r -> stored(r.get("s"))));
    }

    /** Whether the summary's link to what it describes is present (re-ingesting a file recreates its nodes). */
    public int linked(String repoId) {
        return graph.read("counting summary links", tx -> tx.run("MATCH (s:Summary {repoId: $repo})-[:SUMMARIZES]->() RETURN count(s) AS c",
                Map.of("repo", repoId)).single().get("c").asInt());
    }

    public void deleteAll(String repoId) {
        graph.write("deleting summaries", tx -> tx.run("MATCH (s:Summary {repoId: $repo}) DETACH DELETE s", Map.of("repo", repoId)).consume());
    }

    private static Map<String, Object> parameters(String repo, String scope, String prefix) {
        Map<String, Object> m = new HashMap<>();
        m.put("repo", repo);
        m.put("scope", scope);
        m.put("prefix", prefix);
        return m;
    }

    private static Stored stored(Value s) {
        Value at = s.get("createdAt");
        return new Stored(s.get("key").asString(), s.get("scope").asString(), s.get("path").asString(""), s.get("name").asString(""),
                s.get("startLine").asInt(0), s.get("endLine").asInt(0), s.get("text").asString(""), s.get("model").asString(""),
                s.get("promptVersion").asString(""), s.get("contentHash").asString(""),
                at.isNull() ? null : at.asZonedDateTime(ZonedDateTime.now()).toInstant());
    }

}
