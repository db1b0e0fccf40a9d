package carto.graph.neo4j;

import carto.graph.QueryPlans;
import carto.graph.TestGraph;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Only definitions are indexed by position; a file's whole AST is reached from its File node. */
class AstIndexPlanTest {
    @Test
    void theIngestsDeletesSeekOnIndexes() {
        Map<String, Object> params = Map.of("repo", "r", "paths", List.of("a.c", "b.c"));
        QueryPlans.assertSeeksFilePath(Neo4jCodeGraph.DELETE_FILE_AST, params);
        QueryPlans.assertSeeksAstDefinition(Neo4jCodeGraph.DELETE_SEMANTIC_EDGES, params);
        assertEquals(List.of("ast_definition", "ast_name"), astIndexes(), "every AstNode index costs each ingest its maintenance");
    }

    @Test
    void aGraphMadeWithTheIndexOfEveryAstNodeLosesItOnConnect() {
        Neo4jCodeGraph g = TestGraph.graph();
        try (var s = g.driver().session()) {
            s.run("CREATE INDEX ast_path IF NOT EXISTS FOR (n:AstNode) ON (n.repoId, n.path, n.startByte)").consume();
        }
        assertEquals(List.of("ast_definition", "ast_name", "ast_path"), astIndexes());
        g.initSchema();
        assertEquals(List.of("ast_definition", "ast_name"), astIndexes());
    }

    private static List<String> astIndexes() {
        try (var s = TestGraph.graph().driver().session()) {
            return s.run("SHOW INDEXES YIELD name, labelsOrTypes WHERE 'AstNode' IN labelsOrTypes RETURN name ORDER BY name")
                    .list(r -> r.get("name").asString());
        }
    }
}
