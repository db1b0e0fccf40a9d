package carto.ingest;

import carto.graph.TestGraph;
import carto.graph.neo4j.Neo4jCodeGraph;
import carto.graph.search.CodeIndex;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Ingest of the multi-language fixture into a real embedded Neo4j (through the driver) and Lucene. */
class IngestorTest {
    static final String REPO = "fixture";
    @TempDir
    static Path tmp;
    static Path repo;
    static CodeIndex index;
    static IngestSummary summary;
    static Neo4jCodeGraph g;

    @BeforeAll
    static void ingest() throws IOException {
        g = TestGraph.graph();
        repo = FixtureRepo.copy(tmp.resolve("repo"));
        index = CodeIndex.open(tmp.resolve("index"));
        summary = new Ingestor(g, index).ingest(repo, IngestOptions.defaults().withRepoId(REPO), IngestListener.NONE);
    }

    @AfterAll
    static void close() {
        index.close();
    }

    static long count(String cypher, Map<String, Object> params) {
        return g.read("count", tx -> tx.run(cypher, params).single().get(0).asLong());
    }

    static long countAll(String repoId) {
        return TestGraph.graph().read("count", tx -> tx.run("MATCH (n) WHERE n.repoId = $r RETURN count(n) + COUNT { MATCH (a)-[]->() WHERE a.repoId = $r }",
                Map.of("r", repoId)).single().get(0).asLong());
    }

    /** A file's AST nodes: they hang from the File through HAS_AST and PARENT_OF (only definitions store the path). */
    static final String FILE_AST = "MATCH (:File {repoId: $r, relativePath: $p})-[:HAS_AST]->(:AstNode)-[:PARENT_OF*0..]->(n:AstNode) ";

    static long astNodes(String path) {
        return count(FILE_AST + "RETURN count(n)", Map.of("r", REPO, "p", path));
    }

    @Test
    void summaryNamesEveryLanguageAndEverySkippedFile() {
        assertEquals(new TreeMap<>(Map.ofEntries(Map.entry("bash", 1), Map.entry("c", 3), Map.entry("cpp", 2), Map.entry("csharp", 1),
                Map.entry("go", 1), Map.entry("java", 5), Map.entry("javascript", 2), Map.entry("kotlin", 1), Map.entry("markdown", 1),
                Map.entry("php", 1), Map.entry("python", 5), Map.entry("rst", 1), Map.entry("ruby", 2), Map.entry("rust", 1),
                Map.entry("text", 1), Map.entry("typescript", 3))), new TreeMap<>(summary.filesByLanguage()));
        assertEquals(Map.of(".gitignore", 1, ".yaml", 1), summary.unparsedByExtension());
        assertEquals(2, summary.ignoredByGitignore(), "generated/ and debug.log");
        assertEquals(List.of("node_modules (vendored, build or tool folder)"), summary.skippedFolders());
        assertTrue(summary.skipped().contains(new IngestSummary.Skip("data.bin", "binary file")), summary.skipped().toString());
        assertTrue(summary.skipped().stream().anyMatch(s -> s.path().equals("python/latin1.py") && s.reason().contains("not valid UTF-8")));
        assertEquals(1, summary.parseErrors(), "python/broken.py");
        // where the error is: `def broken(:` needs a ")" before its ":"
        assertEquals(List.of(new IngestSummary.Skip("python/broken.py", "line 1: missing \")\"")), summary.syntaxErrors());
        assertTrue(summary.render().contains("data.bin: binary file"));
        assertTrue(summary.render().contains("1 files have syntax errors (partial AST kept, marked error=true):\n    python/broken.py: line 1: missing \")\""),
                summary.render());
        assertEquals(0, count("MATCH (f:File {repoId: $r}) WHERE f.relativePath STARTS WITH 'generated' OR f.relativePath = 'debug.log' "
                + "OR f.relativePath STARTS WITH 'node_modules' RETURN count(f)", Map.of("r", REPO)));
    }

    @Test
    void exactNodeCountsForOneSmallFilePerLanguage() {
        // checked by hand against the tree-sitter trees: definitions and statements; no expressions, none of a statement's
        // parts (C's and C++'s parameters, Go's receiver, Kotlin's supertype list `: Base()`), and no block or body that
        // only holds statements or members (C#: namespace, interface, class; Program.Run, Helper: 8 nodes, not 13)
        Map<String, Integer> expected = new TreeMap<>(Map.ofEntries(
                Map.entry("c/lib.c", 6), Map.entry("cpp/util.h", 5), Map.entry("csharp/Program.cs", 8), Map.entry("go/main.go", 12),
                Map.entry("java/src/main/java/com/acme/Shape.java", 4), Map.entry("js/helper.js", 4), Map.entry("kotlin/App.kt", 4),
                Map.entry("php/index.php", 8), Map.entry("python/pkg/service.py", 9), Map.entry("ruby/base.rb", 3),
                Map.entry("rust/src/lib.rs", 7), Map.entry("scripts/build.sh", 2), Map.entry("ts/src/util.ts", 4)));
        Map<String, Integer> actual = new TreeMap<>();
        expected.keySet().forEach(p -> actual.put(p, (int) astNodes(p)));
        assertEquals(expected, actual);
        for (String p : expected.keySet()) {
            // one root per file, every other node has exactly one parent
            assertEquals(1, count("MATCH (:File {repoId: $r, relativePath: $p})-[:HAS_AST]->(n) RETURN count(n)", Map.of("r", REPO, "p", p)), p);
            assertEquals(astNodes(p) - 1, count(FILE_AST + "MATCH (n)-[:PARENT_OF]->(b) RETURN count(b)", Map.of("r", REPO, "p", p)), p);
            // definitions, and only they, carry the file's path (what the position index holds)
            long definitions = count("MATCH (:File {repoId: $r, relativePath: $p})-[:DEFINES]->(d) RETURN count(d)", Map.of("r", REPO, "p", p));
            assertEquals(definitions, count(FILE_AST + "WHERE n.path = $p AND n.kind IS NOT NULL RETURN count(n)", Map.of("r", REPO, "p", p)), p);
            assertEquals(definitions, count(FILE_AST + "WHERE n.path IS NOT NULL RETURN count(n)", Map.of("r", REPO, "p", p)), p);
        }
        // the Python service, node by node
        List<String> types = g.read("types", tx -> tx.run(FILE_AST + "RETURN n.type + coalesce(':' + n.name, '') AS t ORDER BY n.startByte, n.endByte DESC",
                Map.of("r", REPO, "p", "python/pkg/service.py")).list(r -> r.get("t").asString()));
        assertEquals(List.of("module", "import_from_statement", "function_definition:make", "expression_statement", "return_statement",
                "function_definition:describe", "if_statement", "return_statement", "return_statement"), types);
        assertEquals(2, count("MATCH (:File {repoId: $r, relativePath: 'python/pkg/service.py'})-[:DEFINES]->(d) RETURN count(d)", Map.of("r", REPO)));
    }

    @Test
    void astNodesKeepRangesNotText() {
        var rec = g.read("node", tx -> tx.run("MATCH (n:AstNode {repoId: $r, name: 'square'}) RETURN n", Map.of("r", REPO)).single().get("n"));
        assertEquals(6, rec.get("startLine").asInt());
        assertEquals(8, rec.get("endLine").asInt());
        assertTrue(rec.get("text").isNull(), "AST nodes do not duplicate source text");
        assertEquals("method", rec.get("kind").asString());
        assertEquals("com.acme.Geometry.square", rec.get("qualifiedName").asString());
        String src = new String(read("java/src/main/java/com/acme/Geometry.java"), java.nio.charset.StandardCharsets.UTF_8);
        byte[] b = src.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        String slice = new String(b, rec.get("startByte").asInt(), rec.get("endByte").asInt() - rec.get("startByte").asInt(), java.nio.charset.StandardCharsets.UTF_8);
        assertTrue(slice.startsWith("public static double square(double x) {") && slice.endsWith("}"), slice);
    }

    static byte[] read(String p) {
        try {
            return Files.readAllBytes(repo.resolve(p));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    static Set<String> edges(String type) {
        return new HashSet<>(g.read("edges", tx -> tx.run("""
                MATCH (a {repoId: $r})-[e]->(b) WHERE type(e) = $t
                RETURN coalesce(a.qualifiedName, a.relativePath) + ' -> ' + coalesce(b.qualifiedName, b.relativePath) + ' ' + e.resolution AS s""",
                Map.of("r", REPO, "t", type)).list(rec -> rec.get("s").asString())));
    }

    @Test
    void javaEdgesAreResolvedExactlyToTheRightDeclarations() {
        Set<String> calls = edges("CALLS");
        assertTrue(calls.contains("com.acme.Circle.area -> com.acme.Geometry.square exact"), calls.toString());
        assertTrue(calls.contains("com.acme.Circle.total -> com.acme.Shape.area exact"), "a call through the interface resolves to its method");
        assertTrue(calls.contains("com.acme.Dog.ball -> com.acme.Circle.Circle exact"), "constructor call");
        assertTrue(edges("OVERRIDES").containsAll(Set.of("com.acme.Dog.sound -> com.acme.Animal.sound exact", "com.acme.Circle.area -> com.acme.Shape.area exact")));
        assertTrue(edges("IMPLEMENTS").contains("com.acme.Circle -> com.acme.Shape exact"));
        assertTrue(edges("EXTENDS").contains("com.acme.Dog -> com.acme.Animal exact"));
        assertTrue(edges("REFERENCES").containsAll(Set.of("com.acme.Circle.area -> com.acme.Geometry.PI exact", "com.acme.Circle.total -> com.acme.Shape exact")));
        assertFalse(calls.stream().anyMatch(c -> c.contains("java.util") || c.contains("List")), "JDK targets are not in the graph");
    }

    @Test
    void heuristicEdgesForPythonTypeScriptAndOthers() {
        Set<String> calls = edges("CALLS");
        assertTrue(calls.containsAll(Set.of(
                "pkg.service.describe -> pkg.service.make heuristic",
                "pkg.service.make -> pkg.models.Dog heuristic",
                "App.run -> add heuristic",
                "start -> App.run heuristic",
                "mount -> Widget.render heuristic",
                "Widget.render -> helper heuristic",
                "main -> add heuristic",
                "main.main -> main.Greeter.Greet heuristic",
                "App.run -> Base.greet heuristic",
                "Dog.speak -> helper heuristic")), calls.toString());
        assertTrue(edges("EXTENDS").containsAll(Set.of("pkg.models.Dog -> pkg.models.Animal heuristic", "geo.Square -> geo.Shape heuristic",
                "acme.App -> acme.Base heuristic", "Page -> Base heuristic")));
        assertTrue(edges("IMPLEMENTS").containsAll(Set.of("App -> Runner heuristic", "Dog -> Speak heuristic", "Acme.Program -> Acme.IRunner heuristic")));
        assertTrue(edges("IMPORTS").containsAll(Set.of("python/pkg/service.py -> python/pkg/models.py heuristic",
                "ts/src/main.ts -> ts/src/util.ts heuristic", "ts/src/main.ts -> ts/src/base.ts heuristic", "c/main.c -> c/lib.h heuristic",
                "js/app.js -> js/helper.js heuristic", "ruby/app.rb -> ruby/base.rb heuristic")));
    }

    @Test
    void documentsBecomeOrderedTextChunks() {
        List<String> chunks = g.read("chunks", tx -> tx.run("""
                MATCH (:File {repoId: $r, relativePath: 'docs/README.md'})-[:HAS_TEXT]->(t) RETURN t.heading + '|' + t.startLine + '-' + t.endLine AS s ORDER BY t.index""",
                Map.of("r", REPO)).list(r -> r.get("s").asString()));
        assertEquals(List.of("Fixture project|1-3", "Fixture project > Building|5-7", "Fixture project > Testing|9-11"), chunks);
        assertEquals(2, count("MATCH (:TextNode {repoId: $r, path: 'docs/README.md'})-[:NEXT_CHUNK]->(b) RETURN count(b)", Map.of("r", REPO)));
        assertEquals(2, count("MATCH (t:TextNode {repoId: $r, path: 'docs/guide.rst'}) RETURN count(t)", Map.of("r", REPO)));
    }

    @Test
    void unparsableAndNonUtf8FilesKeepWhatTheyHave() {
        var broken = g.read("f", tx -> tx.run("MATCH (f:File {repoId: $r, relativePath: 'python/broken.py'}) RETURN f", Map.of("r", REPO)).single().get("f"));
        assertTrue(broken.get("parseError").asBoolean());
        assertEquals("line 1: missing \")\"", broken.get("syntaxError").asString());
        assertTrue(count(FILE_AST + "WHERE n.error RETURN count(n)", Map.of("r", REPO, "p", "python/broken.py")) >= 1);
        var latin = g.read("f", tx -> tx.run("MATCH (f:File {repoId: $r, relativePath: 'python/latin1.py'}) RETURN f", Map.of("r", REPO)).single().get("f"));
        assertTrue(latin.get("encoding").asString().contains("ISO-8859-1"));
        assertEquals(2, latin.get("lines").asInt());
        var bin = g.read("f", tx -> tx.run("MATCH (f:File {repoId: $r, relativePath: 'data.bin'}) RETURN f", Map.of("r", REPO)).single().get("f"));
        assertEquals("binary file", bin.get("skipReason").asString());
        assertFalse(index.search(new CodeIndex.SearchQuery(REPO, "fixture", null, null, "config.yaml", 5)).isEmpty(), "unknown formats stay searchable");
    }

    @Test
    void luceneHoldsSymbolsCodeAndTextChunks() {
        var hits = index.search(new CodeIndex.SearchQuery(REPO, "square", CodeIndex.Kind.SYMBOL, null, null, 10));
        assertEquals("square", hits.getFirst().name());
        assertEquals("java/src/main/java/com/acme/Geometry.java", hits.getFirst().path());
        assertEquals(6, hits.getFirst().startLine());
        var text = index.search(new CodeIndex.SearchQuery(REPO, "build script", CodeIndex.Kind.TEXT, null, null, 5));
        assertEquals("docs/README.md", text.getFirst().path());
        var py = index.search(new CodeIndex.SearchQuery(REPO, "speak", null, "python", null, 20));
        assertTrue(py.stream().allMatch(h -> "python".equals(h.language())));
        var scoped = index.search(new CodeIndex.SearchQuery(REPO, "speak", null, null, "rust/", 20));
        assertTrue(!scoped.isEmpty() && scoped.stream().allMatch(h -> h.path().startsWith("rust/")));
    }
}
