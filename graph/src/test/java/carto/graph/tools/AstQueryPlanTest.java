package carto.graph.tools;

import carto.graph.QueryPlans;
import org.junit.jupiter.api.Test;

import java.util.Map;

/** The file-scoped graph tools find a file's definitions through the ast_definition index, and its other nodes from its File node. */
class AstQueryPlanTest {
    @Test
    void fileScopedToolsSeekOnIndexes() {
        QueryPlans.assertSeeksFilePath(GraphTools.AST_BY_TYPE, Map.of("repo", "r", "path", "a.c", "type", "call_expression", "limit", 10));
        QueryPlans.assertSeeksFilePath(GraphTools.NODE_CONTAINING, Map.of("repo", "r", "path", "a.c", "s", 10, "e", 12));
        QueryPlans.assertSeeksAstDefinition(GraphTools.OUTLINE, Map.of("repo", "r", "path", "a.c"));
        QueryPlans.assertSeeksAstDefinition(GraphTools.DEFINITIONS_BY_QUALIFIED_NAME + " RETURN d", Map.of("repo", "r", "name", "a.B", "dotted", ".a.B"));
    }
}
