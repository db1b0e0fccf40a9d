package carto.graph.tools;

import carto.graph.QueryPlans;
import org.junit.jupiter.api.Test;

import java.util.Map;

/** The file-scoped graph tools find a file's nodes through the ast_path index. */
class AstQueryPlanTest {
    @Test
    void fileScopedToolsSeekOnTheAstPathIndex() {
        QueryPlans.assertSeeksAstPath(GraphTools.AST_BY_TYPE, Map.of("repo", "r", "path", "a.c", "type", "call_expression", "limit", 10));
        QueryPlans.assertSeeksAstPath(GraphTools.OUTLINE, Map.of("repo", "r", "path", "a.c"));
    }
}
