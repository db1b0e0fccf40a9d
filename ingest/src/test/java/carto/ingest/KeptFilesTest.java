package carto.ingest;

import carto.graph.TestGraph;
import carto.graph.neo4j.Neo4jCodeGraph;
import carto.graph.search.CodeIndex;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * A process that ingests a repository again reads only the files whose size or modification time
 * changed since it read them, and never trusts a time that lay within a second of its read.
 */
class KeptFilesTest {
    @TempDir
    Path tmp;

    @AfterEach
    void forget() {
        KeptFiles.clear();
    }

    @Test
    void anEntryCountsForItsSizeAndTimeAndOnlyOnceTheFileHadSettled() {
        Path root = Path.of("/repos/a");
        long readAt = KeptFiles.now();
        KeptFiles<String> kept = KeptFiles.of(root);
        kept.put("old.py", 10, readAt - 5_000_000_000L, readAt, "old");
        kept.put("fresh.py", 10, readAt - 200_000_000L, readAt, "fresh");
        assertEquals("old", KeptFiles.<String>of(root).get("old.py", 10, readAt - 5_000_000_000L));
        assertNull(kept.get("old.py", 11, readAt - 5_000_000_000L), "another size");
        assertNull(kept.get("old.py", 10, readAt - 4_000_000_000L), "another time");
        assertNull(kept.get("fresh.py", 10, readAt - 200_000_000L), "written 0.2 s before it was read: it may change again within its second");
        kept.retain(java.util.Set.of("fresh.py"));
        assertNull(kept.get("old.py", 10, readAt - 5_000_000_000L), "no longer in the repository");
        assertNull(KeptFiles.<String>of(Path.of("/repos/b")).get("old.py", 10, readAt - 5_000_000_000L), "another repository");
    }

    @Test
    void aReIngestReadsTheChangedFilesAlone() throws Exception {
        Path repo = Files.createDirectories(tmp.resolve("repo"));
        FileTime hourAgo = FileTime.from(Instant.now().minus(Duration.ofHours(1)));
        FileTime inAnHour = FileTime.from(Instant.now().plus(Duration.ofHours(1)));
        Path a = repo.resolve("a.py"), b = repo.resolve("b.py"), c = repo.resolve("c.py");
        Files.writeString(a, "def one():\n    return 1\n");
        Files.writeString(b, "def two():\n    return 2\n");
        // a clock ahead of this machine's (a file from another one): its time never settles before a read
        Files.writeString(c, "def tri():\n    return 3\n");
        Files.setLastModifiedTime(a, hourAgo);
        Files.setLastModifiedTime(b, hourAgo);
        Files.setLastModifiedTime(c, inAnHour);
        Neo4jCodeGraph g = TestGraph.graph();
        try (CodeIndex index = CodeIndex.open(tmp.resolve("index"))) {
            Ingestor ingestor = new Ingestor(g, index);
            IngestOptions o = IngestOptions.defaults().withRepoId("kept-files");
            IngestSummary first = ingestor.ingest(repo, o, IngestListener.NONE);
            assertEquals(3, first.filesRead());

            IngestSummary same = ingestor.ingest(repo, o, IngestListener.NONE);
            assertEquals(1, same.filesRead(), "a.py and b.py unchanged since they were read; c.py's time never counted");
            assertEquals(3, same.unchanged());

            Files.writeString(a, "def uno():\n    return 1\n\n\ndef dos():\n    return 2\n");
            // the same size, and the same time as before: caught only because that time was never trusted
            Files.writeString(c, "def tre():\n    return 3\n");
            Files.setLastModifiedTime(c, inAnHour);
            IngestSummary edited = ingestor.ingest(repo, o, IngestListener.NONE);
            assertEquals(2, edited.filesRead());
            assertEquals(2, edited.changed());
            assertEquals(List.of("dos", "tre", "two", "uno"), g.read("names", tx -> tx.run(
                    "MATCH (n:AstNode {repoId: $r}) WHERE n.kind = 'function' RETURN n.name AS n ORDER BY n",
                    Map.of("r", "kept-files")).list(r -> r.get("n").asString())));
        }
    }
}
