package carto.ingest;

import carto.graph.CodeGraph;
import carto.ingest.parse.AstDepth;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/** Kept definitions count only while the graph's files have exactly the content hashes they were kept with. */
class KeptDefinitionsTest {
    @AfterEach
    void clear() {
        KeptDefinitions.clear();
    }

    @Test
    void keptDefinitionsAreUsedOnlyForTheSameHashesRepositoryAndDepth() {
        Path root = Path.of("/tmp/kept-definitions-repo");
        List<CodeGraph.Definition> defs = List.of(new CodeGraph.Definition("a.py", "f", "function", "a.f", 0, 10, 1, 2));
        KeptDefinitions.put(root, "r", AstDepth.STATEMENTS, Map.of("a.py", "h1", "b.md", ""), defs);
        assertEquals(defs, KeptDefinitions.matching(root, "r", AstDepth.STATEMENTS, Map.of("a.py", "h1", "b.md", "")));
        assertNull(KeptDefinitions.matching(root, "r", AstDepth.STATEMENTS, Map.of("a.py", "h2", "b.md", "")), "a changed file");
        assertNull(KeptDefinitions.matching(root, "r", AstDepth.STATEMENTS, Map.of("a.py", "h1")), "a file the graph lost");
        assertNull(KeptDefinitions.matching(root, "r", AstDepth.STATEMENTS, Map.of("a.py", "h1", "b.md", "", "c.py", "h3")), "a file the graph gained");
        assertNull(KeptDefinitions.matching(root, "other", AstDepth.STATEMENTS, Map.of("a.py", "h1", "b.md", "")), "another repository id");
        assertNull(KeptDefinitions.matching(root, "r", AstDepth.FULL, Map.of("a.py", "h1", "b.md", "")), "another AST depth");
    }
}
