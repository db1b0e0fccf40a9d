package carto.graph;

import carto.graph.neo4j.Neo4jCodeGraph;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class Neo4jCodeGraphTest {
    /**
     * What every store setup must do: write a repository's file through the driver, read its
     * definitions and commit back, delete it without a trace.
     */
    static void writesReadsAndDeletes(Neo4jCodeGraph g, String repoId) {
        g.initSchema();
        g.upsertRepository(repoId, "demo", "/src/demo", null, "c0ffee");
        long[] written = g.writeFiles(repoId, List.of(file("src/app.py", "main", "helper")));
        assertEquals(1 + 1 + 3 + 2, written[0], "directory, file, 3 AST nodes, 2 text chunks");
        assertEquals(2, g.definitions(repoId).size());
        assertEquals("c0ffee", g.repository(repoId).orElseThrow().commit());
        g.deleteRepository(repoId);
        assertEquals(0, g.counts(repoId)[0]);
    }

    static FileGraph file(String path, String... defs) {
        List<FileGraph.AstNodeRecord> ast = new java.util.ArrayList<>();
        ast.add(new FileGraph.AstNodeRecord(-1, "program", null, null, null, 1, 10, 0, 100, false));
        int b = 1;
        for (String d : defs) {
            ast.add(new FileGraph.AstNodeRecord(0, "function_definition", d, "function", d, b, b + 1, b * 10, b * 10 + 5, false));
            b++;
        }
        return new FileGraph(new FileGraph.FileNode(path, path.substring(path.lastIndexOf('/') + 1), "python", "h-" + path, 100, 10, null, null, null, List.of(), null, null),
                ast, List.of(new FileGraph.TextChunk("# doc", 1, 1, null), new FileGraph.TextChunk("more", 2, 3, null)));
    }

    @Test
    void writesReadsAndDeletesARepository() {
        Neo4jCodeGraph g = TestGraph.graph();
        String repo = "store-test";
        g.upsertRepository(repo, "demo", "/tmp/demo", "https://example.com/demo.git", "abc123");
        long[] written = g.writeFiles(repo, List.of(file("a/b/x.py", "f", "g"), file("a/y.py", "h"), file("z.py")));
        // 2 directories + 3 files + 6 AST nodes + 6 text chunks
        assertEquals(17, written[0]);
        // dirs: 2 HAS_FILE; files: 3 HAS_FILE, 3 HAS_AST, 3 PARENT_OF, 3 DEFINES, 6 HAS_TEXT, 3 NEXT_CHUNK
        assertEquals(2 + 3 + 3 + 3 + 3 + 6 + 3, written[1]);
        assertEquals(Map.of("a/b/x.py", "h-a/b/x.py", "a/y.py", "h-a/y.py", "z.py", "h-z.py"), g.fileHashes(repo));
        // written, not finished yet: what a re-ingest after a kill here would read
        assertEquals(new CodeGraph.StoredFiles(g.fileHashes(repo), false, "/tmp/demo"), g.storedFiles(repo));
        assertFalse(g.lastIngestFinished(repo));
        long calls = g.replaceSemanticEdges(repo, List.of("a/b/x.py"), List.of(
                new SemanticEdge(SemanticEdge.Type.CALLS, "a/b/x.py", 10, "a/y.py", 10, 2, SemanticEdge.Resolution.HEURISTIC),
                new SemanticEdge(SemanticEdge.Type.IMPORTS, "a/b/x.py", 0, "a/y.py", 0, 1, SemanticEdge.Resolution.HEURISTIC)), true);
        assertEquals(2, calls);
        assertTrue(g.storedFiles(repo).lastIngestFinished(), "the last edges record the ingest as finished");
        assertTrue(g.repository(repo).orElseThrow().ingestFinished());
        assertTrue(g.storedFiles("no-such-repository").lastIngestFinished() && g.storedFiles("no-such-repository").hashes().isEmpty());
        assertEquals(3, g.definitions(repo).size());
        RepositoryInfo info = g.repository(repo).orElseThrow();
        assertEquals("abc123", info.commit());
        assertEquals(3, info.files());
        assertEquals(6, info.astNodes(), "every AST node of the repository's files");
        assertEquals(6, g.repositories().stream().filter(r -> r.id().equals(repo)).findFirst().orElseThrow().astNodes());
        g.deleteFiles(repo, List.of("a/b/x.py"));
        assertEquals(2, g.fileHashes(repo).size());
        long[] counts = g.counts(repo);
        // a/b directory pruned: 1 dir + 2 files + 3 AST + 4 text
        assertEquals(10, counts[0]);
        assertEquals(3, g.repository(repo).orElseThrow().astNodes());
        g.deleteRepository(repo);
        assertTrue(g.repository(repo).isEmpty());
        assertEquals(0, g.counts(repo)[0]);
    }

    @Test
    void deletingAFoldersFilesWithTheirSubfoldersRemovesEveryFolderOnce() {
        Neo4jCodeGraph g = TestGraph.graph();
        String repo = "prune-test";
        g.upsertRepository(repo, "prune", "/tmp/prune", null, null);
        // twenty folders, each with a file of its own and a subfolder with one: a folder comes up for deletion twice
        List<FileGraph> files = new java.util.ArrayList<>();
        List<String> paths = new java.util.ArrayList<>();
        for (int i = 0; i < 20; i++) {
            for (String p : List.of("d" + i + "/own.py", "d" + i + "/sub/inner.py")) {
                files.add(file(p, "f"));
                paths.add(p);
            }
        }
        files.add(file("keep.py", "k"));
        g.writeFiles(repo, files);
        g.deleteFiles(repo, paths);
        assertEquals(Map.of("keep.py", "h-keep.py"), g.fileHashes(repo));
        // keep.py, its AST (2) and text (2): no folder left
        assertEquals(5, g.counts(repo)[0]);
        g.deleteRepository(repo);
    }

    /** The semantic edges starting in a file, as "TYPE from->to line resolution" (AstNode names, File basenames), with their ids. */
    static Map<String, List<String>> edgesFrom(Neo4jCodeGraph g, String repo, String path) {
        Map<String, List<String>> out = new java.util.TreeMap<>();
        try (var s = g.session()) {
            s.run("""
                    MATCH (f:File {repoId: $repo, relativePath: $path})
                    CALL (f) {
                      MATCH (f)-[:DEFINES]->(a)-[e:CALLS|REFERENCES|EXTENDS|IMPLEMENTS|OVERRIDES]->(b) RETURN a, e, b
                      UNION
                      MATCH (f)-[e:IMPORTS]->(b) RETURN f AS a, e, b
                    }
                    RETURN type(e) + ' ' + coalesce(a.name, a.basename) + '->' + coalesce(b.name, b.basename) + ' ' + e.line + ' ' + e.resolution AS edge,
                           elementId(e) AS id
                    """, Map.of("repo", repo, "path", path)).forEachRemaining(r ->
                    out.computeIfAbsent(r.get("edge").asString(), k -> new java.util.ArrayList<>()).add(r.get("id").asString()));
        }
        return out;
    }

    @Test
    void replacingAFilesEdgesKeepsTheOnesGivenAgainAndRewritesTheRest() {
        Neo4jCodeGraph g = TestGraph.graph();
        String repo = "edges-test";
        g.upsertRepository(repo, "demo", "/tmp/demo", null, null);
        g.writeFiles(repo, List.of(file("x.py", "f", "g"), file("y.py", "h"), file("z.py", "k")));
        var heuristic = SemanticEdge.Resolution.HEURISTIC;
        g.replaceSemanticEdges(repo, List.of("y.py"), List.of(new SemanticEdge(SemanticEdge.Type.CALLS, "y.py", 10, "z.py", 10, 5, heuristic)));
        g.replaceSemanticEdges(repo, List.of("x.py"), List.of(
                new SemanticEdge(SemanticEdge.Type.CALLS, "x.py", 10, "y.py", 10, 2, heuristic),
                new SemanticEdge(SemanticEdge.Type.CALLS, "x.py", 10, "y.py", 10, 2, heuristic),
                new SemanticEdge(SemanticEdge.Type.CALLS, "x.py", 20, "z.py", 10, 3, heuristic),
                new SemanticEdge(SemanticEdge.Type.IMPORTS, "x.py", 0, "y.py", 0, 1, heuristic)));
        Map<String, List<String>> before = edgesFrom(g, repo, "x.py");
        assertEquals(List.of("CALLS f->h 2 heuristic", "CALLS g->k 3 heuristic", "IMPORTS x.py->y.py 1 heuristic"), List.copyOf(before.keySet()));
        assertEquals(1, before.get("CALLS f->h 2 heuristic").size(), "one edge per type and pair of ends");

        long now = g.replaceSemanticEdges(repo, List.of("x.py"), List.of(
                new SemanticEdge(SemanticEdge.Type.CALLS, "x.py", 10, "y.py", 10, 2, heuristic),
                new SemanticEdge(SemanticEdge.Type.CALLS, "x.py", 20, "z.py", 10, 4, heuristic),
                new SemanticEdge(SemanticEdge.Type.CALLS, "x.py", 20, "y.py", 10, 3, heuristic),
                new SemanticEdge(SemanticEdge.Type.IMPORTS, "x.py", 0, "y.py", 0, 1, heuristic)));
        assertEquals(4, now, "the edges the file has now");
        Map<String, List<String>> after = edgesFrom(g, repo, "x.py");
        assertEquals(List.of("CALLS f->h 2 heuristic", "CALLS g->h 3 heuristic", "CALLS g->k 4 heuristic", "IMPORTS x.py->y.py 1 heuristic"),
                List.copyOf(after.keySet()));
        assertEquals(1, after.get("CALLS f->h 2 heuristic").size());
        if (g.bulkWrites()) {
            assertEquals(before.get("CALLS f->h 2 heuristic"), after.get("CALLS f->h 2 heuristic"), "an edge given again is kept, not rewritten");
            assertEquals(before.get("IMPORTS x.py->y.py 1 heuristic"), after.get("IMPORTS x.py->y.py 1 heuristic"));
        }
        assertEquals(Map.of("CALLS h->k 5 heuristic", 1), edgesFrom(g, repo, "y.py").entrySet().stream()
                .collect(java.util.stream.Collectors.toMap(Map.Entry::getKey, e -> e.getValue().size())), "other files' edges stay");
        g.deleteRepository(repo);
    }

    @Test
    void aDeadServerIsAClearError() throws Exception {
        int port;
        try (var s = new java.net.ServerSocket(0)) {
            port = s.getLocalPort();
        }
        int p = port;
        GraphException e = assertThrows(GraphException.class, () -> Neo4jCodeGraph.connect(java.net.URI.create("bolt://127.0.0.1:" + p), "neo4j", "x", null));
        assertTrue(e.getMessage().contains("cannot reach Neo4j at bolt://127.0.0.1:" + p), e.getMessage());
        assertFalse(e.getMessage().isBlank());
    }
}
