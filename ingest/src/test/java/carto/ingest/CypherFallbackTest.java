package carto.ingest;

import carto.graph.TestGraph;
import carto.graph.neo4j.Neo4jCodeGraph;
import carto.graph.search.CodeIndex;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A server without Carto's procedures gets the same graph through plain Cypher, fresh and incremental. */
class CypherFallbackTest {
    @TempDir
    Path tmp;

    @Test
    void cypherAndBulkWritesBuildTheSameGraph() throws Exception {
        Neo4jCodeGraph bulk = TestGraph.graph();
        assertTrue(bulk.bulkWrites());
        Neo4jCodeGraph cypher = TestGraph.cypherOnly();
        try (cypher; CodeIndex i1 = CodeIndex.open(tmp.resolve("i1")); CodeIndex i2 = CodeIndex.open(tmp.resolve("i2"))) {
            assertFalse(cypher.bulkWrites());
            Path repo = FixtureRepo.copy(tmp.resolve("repo"));
            new Ingestor(bulk, i1).ingest(repo, IngestOptions.defaults().withRepoId("via-bulk"), IngestListener.NONE);
            new Ingestor(cypher, i2).ingest(repo, IngestOptions.defaults().withRepoId("via-cypher"), IngestListener.NONE);
            assertEquals(GraphExport.export(bulk, "via-bulk"), GraphExport.export(bulk, "via-cypher"));

            Files.writeString(repo.resolve("python/pkg/service.py"), Files.readString(repo.resolve("python/pkg/service.py")) + "\n\ndef extra():\n    return make()\n");
            Files.delete(repo.resolve("js/helper.js"));
            new Ingestor(bulk, i1).ingest(repo, IngestOptions.defaults().withRepoId("via-bulk"), IngestListener.NONE);
            new Ingestor(cypher, i2).ingest(repo, IngestOptions.defaults().withRepoId("via-cypher"), IngestListener.NONE);
            var exported = GraphExport.export(bulk, "via-cypher");
            assertEquals(GraphExport.export(bulk, "via-bulk"), exported);
            assertTrue(exported.stream().anyMatch(l -> l.contains("CALLS") && l.contains("python/pkg/service.py") && l.contains("{line=16")), "extra() -> make()");
            assertTrue(exported.stream().noneMatch(l -> l.contains("js/helper.js")));

            // an edit inside a body moves Dog down: the edges into models.py are read and carried over by both
            Path models = repo.resolve("python/pkg/models.py");
            Files.writeString(models, "# the models\n\n" + Files.readString(models).replace("return \"woof\"", "return \"woof!\""));
            IngestSummary viaBulk = new Ingestor(bulk, i1).ingest(repo, IngestOptions.defaults().withRepoId("via-bulk"), IngestListener.NONE);
            IngestSummary viaCypher = new Ingestor(cypher, i2).ingest(repo, IngestOptions.defaults().withRepoId("via-cypher"), IngestListener.NONE);
            assertEquals(1, viaBulk.resolvedFiles());
            assertEquals(1, viaCypher.resolvedFiles());
            exported = GraphExport.export(bulk, "via-cypher");
            assertEquals(GraphExport.export(bulk, "via-bulk"), exported);
            assertTrue(exported.stream().anyMatch(l -> l.startsWith("E Ast:python/pkg/service.py@") && l.contains("-CALLS") && l.contains("-> Ast:python/pkg/models.py@")),
                    "make() -> Dog() is kept");
        }
    }
}
