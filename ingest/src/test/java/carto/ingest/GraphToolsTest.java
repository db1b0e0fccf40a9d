package carto.ingest;

import carto.graph.GraphException;
import carto.graph.TestGraph;
import carto.graph.search.CodeIndex;
import carto.graph.tools.GraphTools;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The graph tools over an ingested fixture, including arguments that try to break out of their query. */
class GraphToolsTest {
    static final String R = "tools";
    @TempDir
    static Path tmp;
    static CodeIndex index;
    static GraphTools tools;

    @BeforeAll
    static void setUp() throws IOException {
        Path repo = FixtureRepo.copy(tmp.resolve("repo"));
        index = CodeIndex.open(tmp.resolve("index"));
        new Ingestor(TestGraph.graph(), index).ingest(repo, IngestOptions.defaults().withRepoId(R), IngestListener.NONE);
        tools = new GraphTools(TestGraph.graph(), index);
    }

    @AfterAll
    static void tearDown() {
        index.close();
    }

    @Test
    void filesByBasenameAndPath() {
        assertEquals(List.of("c/lib.h"), tools.findFilesByBasename(R, "lib.h", 10).stream().map(GraphTools.FileHit::path).toList());
        assertEquals(2, tools.findFilesByBasename(R, "base.rb", 10).size() + tools.findFilesByBasename(R, "base.ts", 10).size());
        assertEquals("python", tools.findFile(R, "./python/pkg/models.py").orElseThrow().language());
        assertTrue(tools.findFile(R, "python/nope.py").isEmpty());
        assertEquals("line 1: missing \")\"", tools.findFile(R, "python/broken.py").orElseThrow().syntaxError());
        assertNull(tools.findFile(R, "python/pkg/models.py").orElseThrow().syntaxError());
        assertEquals(List.of("c", "cpp", "csharp", "docs", "go", "java", "js", "kotlin", "php", "python", "ruby", "rust", "scripts", "ts"),
                tools.listDirectory(R, "").stream().filter(f -> "directory".equals(f.language())).map(GraphTools.FileHit::path).toList());
    }

    @Test
    void astNodesByTextAndType() {
        List<GraphTools.AstHit> hits = tools.findAstNodesContainingText(R, "Geometry.square(radius)", null, 10);
        assertEquals(1, hits.size());
        assertEquals("java/src/main/java/com/acme/Circle.java", hits.getFirst().path());
        assertEquals("return_statement", hits.getFirst().type());
        assertEquals(14, hits.getFirst().startLine());
        List<GraphTools.AstHit> classes = tools.findAstNodesByType(R, "python/pkg/models.py", "class_definition", 10);
        assertEquals(List.of("Animal", "Dog"), classes.stream().map(GraphTools.AstHit::name).toList());
        assertEquals("class Dog(Animal):", classes.get(1).firstLine());
        assertEquals(List.of("make", "describe"), tools.outline(R, "python/pkg/service.py").stream().map(GraphTools.AstHit::name).toList());
    }

    @Test
    void textChunksAndTheirOrder() {
        List<GraphTools.TextHit> hits = tools.findTextNodesContainingText(R, "build script", 10);
        assertEquals(1, hits.size());
        assertEquals("Fixture project > Building", hits.getFirst().heading());
        GraphTools.TextHit next = tools.nextTextChunk(R, hits.getFirst().id()).orElseThrow();
        assertTrue(next.text().startsWith("## Testing"), next.text());
        assertTrue(tools.nextTextChunk(R, next.id()).isEmpty());
    }

    @Test
    void previewAndReadCodeByLines() {
        GraphTools.CodeSnippet s = tools.readCode(R, "java/src/main/java/com/acme/Geometry.java", 6, 8);
        assertEquals("6:     public static double square(double x) {\n7:         return x * x;\n8:     }\n", s.text());
        assertEquals(9, s.totalLines());
        GraphTools.CodeSnippet p = tools.previewFile(R, "go/main.go", 3);
        assertEquals(3, p.endLine());
        assertTrue(p.text().startsWith("1: package main\n"));
        GraphException e = assertThrows(GraphException.class, () -> tools.readCode(R, "missing/file.py", 1, 2));
        assertTrue(e.getMessage().contains("no file 'missing/file.py'"), e.getMessage());
        IllegalArgumentException escape = assertThrows(IllegalArgumentException.class, () -> tools.readCode(R, "../../etc/passwd", 1, 2));
        assertTrue(escape.getMessage().contains("leaves the repository"));
    }

    @Test
    void definitionsCallersCalleesReferencesHierarchyImports() {
        List<GraphTools.Symbol> defs = tools.definitions(R, "speak", 10);
        assertEquals(List.of("python/pkg/models.py", "python/pkg/models.py", "rust/src/lib.rs", "rust/src/lib.rs"), defs.stream().map(GraphTools.Symbol::path).toList());
        assertEquals(1, tools.definitions(R, "com.acme.Geometry.square", 10).size());
        assertEquals(1, tools.definitions(R, "Geometry.square", 10).size());
        List<GraphTools.Relation> callers = tools.callers(R, "square", 10);
        assertEquals(List.of("com.acme.Circle.area"), callers.stream().map(r -> r.from().qualifiedName()).toList());
        assertEquals("exact", callers.getFirst().resolution());
        assertEquals(List.of("com.acme.Geometry.square"), tools.callees(R, "area", 10).stream().map(r -> r.to().qualifiedName()).toList());
        List<GraphTools.Relation> refs = tools.references(R, "Shape", 10);
        assertTrue(refs.stream().anyMatch(r -> r.from().qualifiedName().equals("com.acme.Circle.total")), refs.toString());
        GraphTools.Hierarchy h = tools.typeHierarchy(R, "Animal", 10);
        assertEquals(java.util.Set.of("com.acme.Dog", "pkg.models.Dog"), new java.util.HashSet<>(h.subtypes().stream().map(r -> r.from().qualifiedName()).toList()));
        GraphTools.Hierarchy circle = tools.typeHierarchy(R, "Circle", 10);
        assertEquals(List.of("IMPLEMENTS com.acme.Shape"), circle.supertypes().stream().map(r -> r.type() + " " + r.to().qualifiedName()).toList());
        GraphTools.Imports imports = tools.imports(R, "ts/src/main.ts");
        assertEquals(List.of("ts/src/base.ts", "ts/src/util.ts"), imports.imports().stream().map(GraphTools.FileHit::path).toList());
        assertEquals(List.of("ts/src/main.ts"), tools.imports(R, "ts/src/util.ts").importedBy().stream().map(GraphTools.FileHit::path).toList());
    }

    @Test
    void fullTextSearchIsRankedAndFiltered() {
        List<CodeIndex.Hit> hits = tools.search(R, "square radius", null, null, null, 5);
        assertEquals("java/src/main/java/com/acme/Circle.java", hits.getFirst().path());
        List<CodeIndex.Hit> again = tools.search(R, "square radius", null, null, null, 5);
        assertEquals(hits, again, "deterministic");
        assertTrue(tools.search(R, "helper", null, "php", null, 10).stream().allMatch(h -> h.path().startsWith("php/")));
    }

    /** Quotes, backslashes and Cypher or Lucene syntax are data: they find nothing (or the literal) and change nothing. */
    @Test
    void hostileArgumentsAreJustText() {
        long before = IngestorTest.countAll(R);
        List<String> hostile = List.of("x' OR 1=1 //", "\"}) MATCH (n) DETACH DELETE n //", "\\'", "' RETURN 1 UNION MATCH (n) RETURN n //",
                "MATCH (n) DETACH DELETE n", "a\\'b\"c", "*:*", "name:(x OR y)", "\"unbalanced", "((()", "${jndi:ldap://x}");
        for (String h : hostile) {
            assertTrue(tools.findFilesByBasename(R, h, 10).isEmpty(), h);
            assertTrue(tools.findFile(R, h).isEmpty(), h);
            assertTrue(tools.definitions(R, h, 10).isEmpty(), h);
            assertTrue(tools.callers(R, h, 10).isEmpty(), h);
            assertTrue(tools.findTextNodesContainingText(R, h, 10).isEmpty(), h);
            assertTrue(tools.findAstNodesContainingText(R, h, null, 10).isEmpty(), h);
            tools.search(R, h, null, null, null, 10);
            tools.typeHierarchy(R, h, 10);
        }
        assertEquals(before, IngestorTest.countAll(R), "the graph is unchanged");
        // a backslash or a quote that really is in the code is found
        List<GraphTools.AstHit> backslash = tools.findAstNodesContainingText(R, "\\n\"", null, 10);
        assertEquals(List.of("c/main.c"), backslash.stream().map(GraphTools.AstHit::path).toList());
        assertEquals(1, tools.findAstNodesContainingText(R, "return \"woof\"", "python/pkg/models.py", 10).size());
        assertFalse(tools.findTextNodesContainingText(R, "Run the", 10).isEmpty());
    }

    @Test
    void unknownRepositoryIsExplained() {
        GraphException e = assertThrows(GraphException.class, () -> tools.readCode("no-such-repo", "a.py", 1, 1));
        assertTrue(e.getMessage().contains("no file 'a.py' in repository 'no-such-repo'") || e.getMessage().contains("no repository"), e.getMessage());
    }
}
