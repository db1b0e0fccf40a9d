package carto.graph.neo4j;

import carto.graph.QueryPlans;
import carto.graph.TestGraph;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** One index serves both a file's AST nodes and a node by position; the ingest's deletes seek on it. */
class AstIndexPlanTest {
    @Test
    void aFilesNodesAreFoundThroughTheAstPathIndex() {
        Map<String, Object> params = Map.of("repo", "r", "paths", List.of("a.c", "b.c"));
        QueryPlans.assertSeeksAstPath(Neo4jCodeGraph.DELETE_FILE_AST, params);
        QueryPlans.assertSeeksAstPath(Neo4jCodeGraph.DELETE_SEMANTIC_EDGES, params);
        try (var s = TestGraph.graph().driver().session()) {
            List<String> astIndexes = s.run("SHOW INDEXES YIELD name, labelsOrTypes WHERE 'AstNode' IN labelsOrTypes RETURN name ORDER BY name")
                    .list(r -> r.get("name").asString());
            assertEquals(List.of("ast_name", "ast_path"), astIndexes, "every AstNode index costs each ingest its maintenance");
        }
    }
}
