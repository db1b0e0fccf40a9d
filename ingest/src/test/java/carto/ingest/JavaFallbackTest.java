package carto.ingest;

import carto.graph.TestGraph;
import carto.graph.neo4j.Neo4jCodeGraph;
import carto.graph.search.CodeIndex;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A Java file JavaParser cannot parse (here a missing semicolon) still gets its calls, imports and
 * base types, resolved by name from tree-sitter's error-tolerant parse and marked heuristic, while
 * the files JavaParser does parse keep their exact edges. The same holds when the symbol solver
 * has already parsed the broken file (partially) while resolving another one.
 */
class JavaFallbackTest {
    @TempDir
    Path tmp;

    @Test
    void aFileJavaParserCannotParseGetsHeuristicEdges() throws Exception {
        Path pkg = Files.createDirectories(tmp.resolve("repo/src/main/java/p"));
        Files.writeString(pkg.resolve("Util.java"), """
                package p;

                public class Util {
                    public static int twice(int x) {
                        return 2 * x;
                    }
                }
                """);
        Files.writeString(pkg.resolve("Base.java"), """
                package p;

                public class Base {
                    int four() {
                        return Util.twice(2);
                    }

                    // resolving this makes the symbol solver parse Broken.java before Broken.java's own turn
                    Broken child() {
                        return null;
                    }
                }
                """);
        Files.writeString(pkg.resolve("Broken.java"), """
                package p;

                import p.Util;

                public class Broken extends Base {
                    int go() {
                        int y = Util.twice(3)
                        return y;
                    }
                }
                """);
        Neo4jCodeGraph g = TestGraph.graph();
        try (CodeIndex index = CodeIndex.open(tmp.resolve("index"))) {
            IngestSummary s = new Ingestor(g, index).ingest(tmp.resolve("repo"), IngestOptions.defaults().withRepoId("fallback"), IngestListener.NONE);
            assertEquals(1, s.parseErrors(), "Broken.java keeps its partial AST with the error flag");
            assertEquals(List.of(new IngestSummary.Skip("src/main/java/p/Broken.java", "line 7: missing \";\"")), s.syntaxErrors());
        }
        Set<String> edges = new HashSet<>(g.read("edges", tx -> tx.run("""
                MATCH (a {repoId: $r})-[e]->(b) WHERE type(e) IN ['CALLS', 'EXTENDS', 'IMPORTS']
                RETURN type(e) + ' ' + coalesce(a.qualifiedName, a.relativePath) + ' -> ' + coalesce(b.qualifiedName, b.relativePath) + ' ' + e.resolution AS s""",
                Map.of("r", "fallback")).list(rec -> rec.get("s").asString())));
        assertTrue(edges.containsAll(Set.of(
                "CALLS p.Broken.go -> p.Util.twice heuristic",
                "EXTENDS p.Broken -> p.Base heuristic",
                "IMPORTS src/main/java/p/Broken.java -> src/main/java/p/Util.java heuristic",
                "CALLS p.Base.four -> p.Util.twice exact")), edges.toString());
    }
}
