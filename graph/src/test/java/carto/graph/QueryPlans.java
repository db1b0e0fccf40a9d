package carto.graph;

import org.neo4j.driver.Session;
import org.neo4j.driver.summary.Plan;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What the embedded Neo4j's planner makes of a query text (EXPLAIN: planned, not run). */
public final class QueryPlans {
    private QueryPlans() {}

    /** The plan's operators, one "Operator details" line each, depth first. */
    public static List<String> explain(String query, Map<String, Object> params) {
        try (Session s = TestGraph.graph().driver().session()) {
            List<String> lines = new ArrayList<>();
            collect(s.run("EXPLAIN " + query, params).consume().plan(), lines);
            return lines;
        }
    }

    /** The query finds definitions through the ast_definition index, never by scanning every AstNode. */
    public static void assertSeeksAstDefinition(String query, Map<String, Object> params) {
        assertSeeks(query, params, "AstNode(repoId, path, startByte, kind)");
    }

    /** The query starts from a file found through the file_path index and reaches its AST from there. */
    public static void assertSeeksFilePath(String query, Map<String, Object> params) {
        assertSeeks(query, params, "File(repoId, relativePath)");
    }

    private static void assertSeeks(String query, Map<String, Object> params, String index) {
        List<String> plan = explain(query, params);
        assertFalse(plan.stream().anyMatch(l -> l.startsWith("NodeByLabelScan") || l.startsWith("AllNodesScan")),
                "scans nodes:\n" + String.join("\n", plan));
        assertTrue(plan.stream().anyMatch(l -> l.startsWith("NodeIndexSeek") && l.contains(index)), "no seek on " + index + ":\n" + String.join("\n", plan));
    }

    private static void collect(Plan p, List<String> lines) {
        lines.add(p.operatorType().replaceAll("@.*", "") + " " + p.arguments().get("Details"));
        for (Plan c : p.children()) collect(c, lines);
    }
}
