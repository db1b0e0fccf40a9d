package carto.ingest;

import carto.graph.TestGraph;
import carto.graph.search.CodeIndex;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Huge files, link loops, pipes, unreadable files: each reported with its reason, and nothing else lost. */
class BadInputTest {
    @TempDir
    Path tmp;

    @Test
    void everyProblemFileIsReportedAndTheRestIsIngested() throws Exception {
        Path repo = FixtureRepo.copy(tmp.resolve("repo"));
        Files.writeString(repo.resolve("huge.py"), "x = 1\n".repeat(600_000));
        Files.createSymbolicLink(repo.resolve("loop"), Path.of(".."));
        Files.createSymbolicLink(repo.resolve("dangling.py"), repo.resolve("does-not-exist.py"));
        Process mkfifo = new ProcessBuilder("mkfifo", repo.resolve("pipe").toString()).start();
        assertEquals(0, mkfifo.waitFor());
        Path secret = repo.resolve("secret.py");
        Files.writeString(secret, "def hidden():\n    return 1\n");
        // a bundle of one-letter functions: by name, they would catch the fixture's own calls
        StringBuilder bundle = new StringBuilder();
        for (int i = 0; i < 200; i++) bundle.append("function t").append(i).append("(e){return e+").append(i).append("}");
        Files.writeString(repo.resolve("js/vendor.min.js"), "function t(e){return e}" + bundle + "\n");
        Files.writeString(repo.resolve("js/table.js"), "var t=[" + "1,".repeat(2000) + "1];\n");
        Files.setPosixFilePermissions(secret, PosixFilePermissions.fromString("---------"));
        boolean root = Files.isReadable(secret); // root can read anything
        try (CodeIndex index = CodeIndex.open(tmp.resolve("index"))) {
            IngestSummary s = new Ingestor(TestGraph.graph(), index).ingest(repo, IngestOptions.defaults().withRepoId("bad"), IngestListener.NONE);
            Map<String, String> reasons = new java.util.TreeMap<>();
            s.skipped().forEach(k -> reasons.put(k.path(), k.reason()));
            assertTrue(reasons.get("huge.py").contains("larger than the 2,097,152-byte limit"), reasons.toString());
            assertTrue(reasons.get("huge.py").contains("--max-file-size"));
            assertEquals("symbolic link (not followed)", reasons.get("loop"));
            assertEquals("symbolic link (not followed)", reasons.get("dangling.py"));
            assertEquals("not a regular file", reasons.get("pipe"));
            assertEquals("binary file", reasons.get("data.bin"));
            assertEquals("minified: searchable as text, not parsed", reasons.get("js/vendor.min.js"));
            assertEquals("minified or generated (lines average 4,011 bytes): searchable as text, not parsed", reasons.get("js/table.js"));
            assertEquals(0L, (long) TestGraph.graph().read("n", tx -> tx.run(
                    "MATCH (f:File {repoId: 'bad'})-[:HAS_AST]->() WHERE f.relativePath IN ['js/vendor.min.js', 'js/table.js'] RETURN count(f) AS c").single().get("c").asLong()));
            assertFalse(index.search(new CodeIndex.SearchQuery("bad", "t199", null, null, "js/vendor.min.js", 5)).isEmpty(), "kept searchable");
            if (root) {
                assertTrue(!reasons.containsKey("secret.py"), "running as root: the file is readable and ingested");
            } else {
                assertEquals("permission denied", reasons.get("secret.py"));
            }
            // kept with its reason, so the file tree is complete
            var huge = TestGraph.graph().read("f", tx -> tx.run("MATCH (f:File {repoId: 'bad', relativePath: 'huge.py'}) RETURN f").single().get("f"));
            assertTrue(huge.get("skipReason").asString().contains("larger than"));
            assertEquals(0L, (long) TestGraph.graph().read("n", tx -> tx.run("MATCH (n:AstNode {repoId: 'bad'}) WHERE n.path = 'huge.py' OR (:File {repoId: 'bad', relativePath: 'huge.py'})-->(n) "
                    + "RETURN count(n) AS c").single().get("c").asLong()));
            // nothing else lost: every fixture code file is there with its AST
            long withAst = TestGraph.graph().read("n", tx -> tx.run("MATCH (f:File {repoId: 'bad'})-[:HAS_AST]->() RETURN count(f) AS c").single().get("c").asLong());
            assertEquals(28 + (root ? 1 : 0), withAst, "28 code files in the fixture");
        } finally {
            Files.setPosixFilePermissions(secret, PosixFilePermissions.fromString("rw-------"));
        }
    }

    @Test
    void notAFolderIsAClearError() throws IOException {
        try (CodeIndex index = CodeIndex.open(tmp.resolve("index2"))) {
            Ingestor ingestor = new Ingestor(TestGraph.graph(), index);
            IOException e = assertThrows(IOException.class, () -> ingestor.ingest(tmp.resolve("nope"), IngestOptions.defaults(), IngestListener.NONE));
            assertTrue(e.getMessage().contains("no such folder"), e.getMessage());
            Path file = Files.writeString(tmp.resolve("f.txt"), "x");
            e = assertThrows(IOException.class, () -> ingestor.ingest(file, IngestOptions.defaults(), IngestListener.NONE));
            assertTrue(e.getMessage().contains("is a file"), e.getMessage());
        }
    }

    @Test
    void anIdThatHoldsAnotherFolderIsRefusedUnlessRebuilt() throws IOException {
        Path first = Files.createDirectories(tmp.resolve("first")), second = Files.createDirectories(tmp.resolve("second"));
        Files.writeString(first.resolve("a.py"), "def a():\n    return 1\n");
        Files.writeString(second.resolve("b.py"), "def b():\n    return 2\n");
        try (CodeIndex index = CodeIndex.open(tmp.resolve("index3"))) {
            Ingestor ingestor = new Ingestor(TestGraph.graph(), index);
            ingestor.ingest(first, IngestOptions.defaults().withRepoId("taken"), IngestListener.NONE);
            IOException e = assertThrows(IOException.class, () -> ingestor.ingest(second, IngestOptions.defaults().withRepoId("taken"), IngestListener.NONE));
            assertTrue(e.getMessage().contains("the repository id 'taken' already holds " + first.toAbsolutePath().normalize()) && e.getMessage().contains("--full"),
                    e.getMessage());
            // nothing of the first one was lost
            assertEquals(Set.of("a.py"), TestGraph.graph().fileHashes("taken").keySet());
            // a full rebuild points it at the second folder
            IngestOptions full = new IngestOptions("taken", IngestOptions.defaults().depth(), IngestOptions.DEFAULT_MAX_FILE_SIZE, 1, false);
            ingestor.ingest(second, full, IngestListener.NONE);
            assertEquals(Set.of("b.py"), TestGraph.graph().fileHashes("taken").keySet());
            assertEquals(second.toAbsolutePath().normalize().toString(), TestGraph.graph().repository("taken").orElseThrow().path());
        }
    }
}
