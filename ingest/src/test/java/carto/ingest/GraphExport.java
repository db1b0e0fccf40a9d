package carto.ingest;

import carto.graph.neo4j.Neo4jCodeGraph;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** A repository's graph as sorted text lines (ids replaced by stable keys), to compare two ingests. */
final class GraphExport {
    private GraphExport() {}

    static List<String> export(Neo4jCodeGraph g, String repoId) {
        List<String> lines = new ArrayList<>();
        g.read("export", tx -> {
            // an AST node's file is the one it hangs from (only definitions store their path); an orphan has none
            Map<String, Object> fileOf = new java.util.HashMap<>();
            tx.run("""
                    MATCH (n) WHERE n.repoId = $r
                    OPTIONAL MATCH (f:File)-[:HAS_AST]->(:AstNode)-[:PARENT_OF*0..]->(n)
                    RETURN elementId(n) AS id, labels(n)[0] AS l, properties(n) AS p, f.relativePath AS file""", Map.of("r", repoId)).forEachRemaining(rec -> {
                Map<String, Object> p = new TreeMap<>(rec.get("p").asMap());
                p.remove("repoId");
                p.remove("id");
                if (rec.get("l").asString().equals("AstNode")) {
                    p.put("file", rec.get("file").asString(null));
                    fileOf.put(rec.get("id").asString(), rec.get("file").asString(null));
                }
                lines.add("N " + rec.get("l").asString() + " " + p);
            });
            tx.run("""
                    MATCH (a)-[r]->(b) WHERE a.repoId = $r OR (a:Repository AND a.id = $r)
                    RETURN labels(a)[0] AS la, properties(a) AS pa, elementId(a) AS ia, type(r) AS t, properties(r) AS pr,
                           labels(b)[0] AS lb, properties(b) AS pb, elementId(b) AS ib""",
                    Map.of("r", repoId)).forEachRemaining(rec -> lines.add("E " + key(rec.get("la").asString(), rec.get("pa").asMap(), fileOf.get(rec.get("ia").asString()))
                    + " -" + rec.get("t").asString() + new TreeMap<>(rec.get("pr").asMap()) + "-> "
                    + key(rec.get("lb").asString(), rec.get("pb").asMap(), fileOf.get(rec.get("ib").asString()))));
            return null;
        });
        lines.sort(null);
        return lines;
    }

    private static String key(String label, Map<String, Object> p, Object astFile) {
        return switch (label) {
            case "Repository" -> "Repository";
            case "File" -> "File:" + p.get("relativePath");
            case "AstNode" -> "Ast:" + astFile + "@" + p.get("startByte") + "-" + p.get("endByte") + ":" + p.get("type");
            case "TextNode" -> "Text:" + p.get("path") + "#" + p.get("index");
            default -> label + p;
        };
    }
}
