package carto.ingest;

import carto.graph.TestGraph;
import carto.graph.neo4j.Neo4jCodeGraph;
import carto.graph.search.CodeIndex;
import carto.graph.tools.GraphTools;
import carto.ingest.semantic.JavaSolver;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Code outside every definition calls too: a script's {@code main()}, and a JavaScript test whose
 * calls all sit in anonymous callbacks of {@code describe} and {@code it}. Those calls start at the
 * file's node, through the procedures and through plain Cypher, fresh and after edits.
 */
class TopLevelCallsTest {
    @TempDir
    Path tmp;

    private static final String CALC = "function add(a, b) {\n  return a + b;\n}\n\nmodule.exports = { add };\n";

    private Path repo() throws Exception {
        Path repo = Files.createDirectories(tmp.resolve("repo"));
        Files.writeString(repo.resolve("tool.py"), "def main():\n    return 0\n\n\nif __name__ == \"__main__\":\n    main()\n");
        Files.writeString(repo.resolve("calc.js"), CALC);
        Files.writeString(repo.resolve("calc.test.js"), """
                const { add } = require('./calc');

                describe('add', () => {
                  it('adds', () => {
                    expect(add(1, 2)).toBe(3);
                  });
                });
                """);
        return repo;
    }

    private static List<String> callers(Neo4jCodeGraph g, String repoId, String name) {
        return new GraphTools(g, null).callers(repoId, name, 20).stream()
                .map(r -> r.from().path() + ":" + r.line() + " " + r.from().kind() + " " + r.from().name()).toList();
    }

    @Test
    void callsOutsideEveryDefinitionStartAtTheirFile() throws Exception {
        Neo4jCodeGraph bulk = TestGraph.graph();
        Neo4jCodeGraph cypher = TestGraph.cypherOnly();
        Path repo = repo();
        try (cypher; CodeIndex i1 = CodeIndex.open(tmp.resolve("i1")); CodeIndex i2 = CodeIndex.open(tmp.resolve("i2"))) {
            new Ingestor(bulk, i1).ingest(repo, IngestOptions.defaults().withRepoId("top"), IngestListener.NONE);
            new Ingestor(cypher, i2).ingest(repo, IngestOptions.defaults().withRepoId("top-cypher"), IngestListener.NONE);
            assertEquals(List.of("tool.py:6 file tool.py"), callers(bulk, "top", "main"));
            assertEquals(List.of("calc.test.js:5 file calc.test.js"), callers(bulk, "top", "add"));
            assertEquals(GraphExport.export(bulk, "top"), GraphExport.export(bulk, "top-cypher"));
            // the test file now counts among what depends on calc.js
            assertTrue(new GraphTools(bulk, i1).fileDependencies("top").stream()
                    .anyMatch(d -> d.from().equals("calc.test.js") && d.to().equals("calc.js") && d.references() == 1));

            // an edit inside a body moves add down: the edge from the test file is carried over to its new place
            Files.writeString(repo.resolve("calc.js"), "// the calculator\n\n" + CALC.replace("a + b", "b + a"));
            IngestSummary edited = new Ingestor(bulk, i1).ingest(repo, IngestOptions.defaults().withRepoId("top"), IngestListener.NONE);
            assertEquals(1, edited.resolvedFiles(), "only calc.js is resolved again");
            new Ingestor(cypher, i2).ingest(repo, IngestOptions.defaults().withRepoId("top-cypher"), IngestListener.NONE);
            assertEquals(List.of("calc.test.js:5 file calc.test.js"), callers(bulk, "top", "add"));
            assertEquals(GraphExport.export(bulk, "top"), GraphExport.export(bulk, "top-cypher"));

            // the script stops calling main: its edge goes
            Files.writeString(repo.resolve("tool.py"), "def main():\n    return 0\n");
            new Ingestor(bulk, i1).ingest(repo, IngestOptions.defaults().withRepoId("top"), IngestListener.NONE);
            new Ingestor(cypher, i2).ingest(repo, IngestOptions.defaults().withRepoId("top-cypher"), IngestListener.NONE);
            assertEquals(List.of(), callers(bulk, "top", "main"));
            assertEquals(GraphExport.export(bulk, "top"), GraphExport.export(bulk, "top-cypher"));

            JavaSolver.forgetAll();
            new Ingestor(bulk, i1).ingest(repo, new IngestOptions("top-fresh", IngestOptions.defaults().depth(),
                    IngestOptions.DEFAULT_MAX_FILE_SIZE, 2, false), IngestListener.NONE);
            assertEquals(GraphExport.export(bulk, "top-fresh"), GraphExport.export(bulk, "top"), "incremental equals fresh");
            assertFalse(GraphExport.export(bulk, "top").isEmpty());
        }
    }
}
