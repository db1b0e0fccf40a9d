package carto.ingest;

import carto.graph.TestGraph;
import carto.graph.neo4j.Neo4jCodeGraph;
import carto.graph.search.CodeIndex;
import carto.ingest.semantic.JavaSolver;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Re-ingesting after edits, additions, deletions and a rename gives exactly the graph a fresh ingest gives. */
class IncrementalIngestTest {
    @TempDir
    Path tmp;

    @Test
    void incrementalEqualsFresh() throws Exception {
        Neo4jCodeGraph g = TestGraph.graph();
        Path repo = FixtureRepo.copy(tmp.resolve("repo"));
        try (CodeIndex index = CodeIndex.open(tmp.resolve("index"))) {
            Ingestor ingestor = new Ingestor(g, index);
            IngestSummary first = ingestor.ingest(repo, IngestOptions.defaults().withRepoId("inc"), IngestListener.NONE);
            int files = first.files();

            // edit
            Path geometry = repo.resolve("java/src/main/java/com/acme/Geometry.java");
            Files.writeString(geometry, Files.readString(geometry).replace("    public static double square(double x) {",
                    "    public static double cube(double x) {\n        return square(x) * x;\n    }\n\n    public static double square(double x) {"));
            Files.writeString(repo.resolve("ts/src/util.ts"), Files.readString(repo.resolve("ts/src/util.ts")) + "\nexport function sub(a: number, b: number): number {\n  return add(a, -b);\n}\n");
            Files.writeString(repo.resolve("js/helper.js"), "function helper(x) {\n  return String(x) + '!';\n}\n\nmodule.exports = { helper };\n");
            // add
            Files.writeString(repo.resolve("python/pkg/cats.py"), "from .models import Animal\n\n\nclass Cat(Animal):\n    def speak(self):\n        return \"meow\"\n");
            Files.writeString(repo.resolve("docs/CHANGES.md"), "# Changes\n\nAdded cats.\n");
            // delete: ruby/app.rb stays and must lose its edges to Base
            Files.delete(repo.resolve("ruby/base.rb"));
            // rename: c/main.c keeps calling add, now in another file
            Files.move(repo.resolve("c/lib.c"), repo.resolve("c/library.c"));

            IngestSummary second = ingestor.ingest(repo, IngestOptions.defaults().withRepoId("inc"), IngestListener.NONE);
            assertEquals(3, second.added(), "cats.py, CHANGES.md, library.c");
            assertEquals(3, second.changed(), "Geometry.java, util.ts, helper.js");
            assertEquals(2, second.deleted(), "base.rb, lib.c");
            assertEquals(files + 1 - 2 - 3, second.unchanged(), "data.bin is kept as a node too");
            assertTrue(second.resolvedFiles() < files / 2, "only the changed files and their dependents are re-resolved, not " + second.resolvedFiles());

            JavaSolver.forgetAll(); // the comparison must not share the symbol solver's kept state
            IngestSummary fresh = ingestor.ingest(repo, new IngestOptions("inc-fresh", IngestOptions.defaults().depth(),
                    IngestOptions.DEFAULT_MAX_FILE_SIZE, 2, false), IngestListener.NONE);
            assertEquals(fresh.files() + 1, second.added() + second.changed() + second.unchanged(), "files plus data.bin");

            List<String> incremental = GraphExport.export(g, "inc");
            List<String> scratch = GraphExport.export(g, "inc-fresh");
            assertEquals(scratch.size(), incremental.size());
            assertEquals(scratch, incremental);
            assertTrue(incremental.stream().anyMatch(l -> l.contains("-CALLS{line=6, resolution=heuristic}-> Ast:c/library.c")), "main -> add follows the rename");
            assertTrue(incremental.stream().noneMatch(l -> l.contains("ruby/base.rb")));
            assertTrue(incremental.stream().anyMatch(l -> l.startsWith("E Ast:java/src/main/java/com/acme/Geometry.java") && l.contains("-CALLS")),
                    "the new cube() calls square()");

            for (CodeIndex.Kind k : CodeIndex.Kind.values()) {
                assertEquals(index.search(new CodeIndex.SearchQuery("inc-fresh", "", k, null, null, 200)).size(),
                        index.search(new CodeIndex.SearchQuery("inc", "", k, null, null, 200)).size(), "index documents of kind " + k);
            }
            assertTrue(index.search(new CodeIndex.SearchQuery("inc", "greet", null, "ruby", null, 10)).stream().noneMatch(h -> h.path().equals("ruby/base.rb")));

            IngestSummary third = ingestor.ingest(repo, IngestOptions.defaults().withRepoId("inc"), IngestListener.NONE);
            assertEquals(0, third.added() + third.changed() + third.deleted(), "nothing changed");
            assertEquals(incremental, GraphExport.export(g, "inc"));
        }
    }

    @Test
    void aReingestAtAnotherDepthRewritesEveryFileAsAFreshIngestWould() throws Exception {
        Neo4jCodeGraph g = TestGraph.graph();
        Path repo = FixtureRepo.copy(tmp.resolve("repo"));
        try (CodeIndex index = CodeIndex.open(tmp.resolve("index"))) {
            Ingestor ingestor = new Ingestor(g, index);
            IngestSummary first = ingestor.ingest(repo, IngestOptions.defaults().withRepoId("depth"), IngestListener.NONE);
            IngestOptions full = new IngestOptions("depth", carto.ingest.parse.AstDepth.FULL, IngestOptions.DEFAULT_MAX_FILE_SIZE, 2, true);
            IngestSummary again = ingestor.ingest(repo, full, IngestListener.NONE);
            assertEquals(0, again.unchanged(), "no file keeps the statement-depth AST");
            assertEquals(first.added(), again.changed());
            assertTrue(again.nodesWritten() > first.nodesWritten(), "full depth writes more nodes: " + again.nodesWritten() + " against " + first.nodesWritten());

            JavaSolver.forgetAll();
            ingestor.ingest(repo, new IngestOptions("depth-fresh", carto.ingest.parse.AstDepth.FULL, IngestOptions.DEFAULT_MAX_FILE_SIZE, 2, false),
                    IngestListener.NONE);
            assertEquals(GraphExport.export(g, "depth-fresh"), GraphExport.export(g, "depth"));
            // and the same depth again changes nothing
            assertEquals(0, ingestor.ingest(repo, full, IngestListener.NONE).changed());
        }
    }

    /**
     * The Java symbol solver is kept between ingests of a repository. After an edit that moves a
     * method, a caller resolved through an unchanged file (whose types the kept solver had
     * already worked out) must point at the method where it is now, exactly as a fresh ingest does.
     */
    @Test
    void aKeptJavaSolverForgetsWhatAnEditMadeStale() throws Exception {
        Neo4jCodeGraph g = TestGraph.graph();
        Path repo = tmp.resolve("solver");
        Path pkg = Files.createDirectories(repo.resolve("src/main/java/p"));
        Files.writeString(pkg.resolve("A.java"), "package p;\n\npublic class A {\n    int go() {\n        return new B().make().run();\n    }\n}\n");
        Files.writeString(pkg.resolve("B.java"), "package p;\n\npublic class B {\n    C make() {\n        return new C();\n    }\n}\n");
        Files.writeString(pkg.resolve("C.java"), "package p;\n\npublic class C {\n    int run() {\n        return 1;\n    }\n}\n");
        try (CodeIndex index = CodeIndex.open(tmp.resolve("index"))) {
            Ingestor ingestor = new Ingestor(g, index);
            JavaSolver.forgetAll();
            ingestor.ingest(repo, IngestOptions.defaults().withRepoId("kept"), IngestListener.NONE);
            assertTrue(JavaSolver.keptFiles(repo) > 0, "the solver and the sources it parsed are kept after an ingest");
            assertEquals(List.of("src/main/java/p/A.java:4 -> src/main/java/p/C.java:4"), callsTo(g, "kept", "run"));

            // run() moves down four lines and an overload takes its old place: a stale view of C
            // (kept for B's return type) would link the call to the overload
            Files.writeString(pkg.resolve("C.java"), "package p;\n\npublic class C {\n    int run(int times) {\n        return times;\n    }\n\n    int run() {\n        return 1;\n    }\n}\n");
            IngestSummary second = ingestor.ingest(repo, IngestOptions.defaults().withRepoId("kept"), IngestListener.NONE);
            assertEquals(1, second.changed());
            assertEquals(List.of("src/main/java/p/A.java:4 -> src/main/java/p/C.java:8"), callsTo(g, "kept", "run"));

            JavaSolver.forgetAll();
            ingestor.ingest(repo, IngestOptions.defaults().withRepoId("kept-fresh"), IngestListener.NONE);
            assertEquals(GraphExport.export(g, "kept-fresh"), GraphExport.export(g, "kept"));
        }
    }

    /**
     * An edit inside method bodies and comments changes no other file's resolution: only the
     * edited files are resolved again, the edges into them are carried over to where their
     * definitions moved, and the graph is the one a fresh ingest gives. An edit to a declaration
     * does make the files that use it resolve again.
     */
    @Test
    void anEditInsideBodiesResolvesOnlyTheEditedFiles() throws Exception {
        Neo4jCodeGraph g = TestGraph.graph();
        Path repo = FixtureRepo.copy(tmp.resolve("shape"));
        Path geometry = repo.resolve("java/src/main/java/com/acme/Geometry.java");
        Path models = repo.resolve("python/pkg/models.py");
        try (CodeIndex index = CodeIndex.open(tmp.resolve("index"))) {
            Ingestor ingestor = new Ingestor(g, index);
            ingestor.ingest(repo, IngestOptions.defaults().withRepoId("shape"), IngestListener.NONE);
            List<String> squareCallers = callsTo(g, "shape", "square");
            assertEquals(List.of("java/src/main/java/com/acme/Circle.java:12 -> java/src/main/java/com/acme/Geometry.java:6"), squareCallers);

            // square() moves down (a Javadoc comment) and its body changes; Dog.speak() moves down and its body changes
            Files.writeString(geometry, Files.readString(geometry)
                    .replace("    public static double square(double x) {\n        return x * x;",
                            "    /**\n     * The square.\n     */\n    public static double square(double x) {\n        double y = x; // a copy\n        return y * y;"));
            Files.writeString(models, "# models of the package\n\n" + Files.readString(models).replace("return \"woof\"", "return \"woof\" + \"!\""));
            // a file without definitions gets a comment
            Files.writeString(repo.resolve("python/pkg/__init__.py"), "# the package\n");
            IngestSummary bodies = ingestor.ingest(repo, IngestOptions.defaults().withRepoId("shape"), IngestListener.NONE);
            assertEquals(3, bodies.changed());
            assertEquals(3, bodies.resolvedFiles(), "only Geometry.java, models.py and __init__.py are resolved again");
            assertEquals(List.of("java/src/main/java/com/acme/Circle.java:12 -> java/src/main/java/com/acme/Geometry.java:9"), callsTo(g, "shape", "square"));
            assertEquals(fresh(ingestor, g, repo, "shape-fresh"), GraphExport.export(g, "shape"));

            // square() takes a second parameter: Circle's one-argument call no longer resolves to it
            Files.writeString(geometry, Files.readString(geometry).replace("square(double x)", "square(double x, double unused)"));
            IngestSummary signature = ingestor.ingest(repo, IngestOptions.defaults().withRepoId("shape"), IngestListener.NONE);
            assertEquals(1, signature.changed());
            assertEquals(2, signature.resolvedFiles(), "Geometry.java and Circle.java, the one file naming square");
            assertEquals(List.of(), callsTo(g, "shape", "square"));
            assertEquals(fresh(ingestor, g, repo, "shape-fresh2"), GraphExport.export(g, "shape"));

            // a new method nobody calls yet, and a new class: no other file names them
            Files.writeString(geometry, Files.readString(geometry).replace("    public static final double PI",
                    "    public static double half(double x) {\n        return x / 2;\n    }\n\n    public static final double PI") + "\nclass Spare {\n}\n");
            IngestSummary added = ingestor.ingest(repo, IngestOptions.defaults().withRepoId("shape"), IngestListener.NONE);
            assertEquals(1, added.resolvedFiles());
            assertEquals(fresh(ingestor, g, repo, "shape-fresh4"), GraphExport.export(g, "shape"));

            // a field's type changes: every file using Geometry is resolved again
            Files.writeString(geometry, Files.readString(geometry).replace("public static final double PI", "public static final Double PI"));
            IngestSummary field = ingestor.ingest(repo, IngestOptions.defaults().withRepoId("shape"), IngestListener.NONE);
            assertTrue(field.resolvedFiles() > 1, "a changed field resolves the files using Geometry again, not " + field.resolvedFiles());
            assertEquals(fresh(ingestor, g, repo, "shape-fresh5"), GraphExport.export(g, "shape"));

            // the graph changes behind the ingest's back: the definitions it kept no longer match the graph's files,
            // so they are read again, and the file the graph lost is written as a new one
            g.deleteFiles("shape", List.of("python/pkg/models.py"));
            Files.writeString(geometry, Files.readString(geometry).replace("double y = x;", "double y = x + 0;"));
            IngestSummary behind = ingestor.ingest(repo, IngestOptions.defaults().withRepoId("shape"), IngestListener.NONE);
            assertEquals(1, behind.added());
            assertEquals(1, behind.changed());
            assertEquals(fresh(ingestor, g, repo, "shape-fresh3"), GraphExport.export(g, "shape"));
        }
    }

    private static List<String> fresh(Ingestor ingestor, Neo4jCodeGraph g, Path repo, String repoId) throws java.io.IOException {
        JavaSolver.forgetAll(); // the comparison must not share the symbol solver's kept state
        ingestor.ingest(repo, new IngestOptions(repoId, IngestOptions.defaults().depth(), IngestOptions.DEFAULT_MAX_FILE_SIZE, 2, false), IngestListener.NONE);
        return GraphExport.export(g, repoId);
    }

    /** CALLS edges into definitions named {@code name}: caller file and line, callee file and line. */
    private static List<String> callsTo(Neo4jCodeGraph g, String repoId, String name) {
        return g.read("calls", tx -> tx.run("""
                MATCH (a:AstNode {repoId: $r})-[:CALLS]->(b:AstNode {repoId: $r, name: $n})
                RETURN a.path + ':' + a.startLine + ' -> ' + b.path + ':' + b.startLine AS e ORDER BY e""",
                java.util.Map.of("r", repoId, "n", name)).list(rec -> rec.get("e").asString()));
    }

    /**
     * Graph writes start while files are still being parsed; a fresh ingest that fails after some
     * were written must not leave them behind, or the next run would take them for up to date.
     */
    @Test
    void aFreshIngestThatFailsLeavesNothingAndTheNextRunIsComplete() throws Exception {
        Neo4jCodeGraph g = TestGraph.graph();
        Path repo = FixtureRepo.copy(tmp.resolve("repo"));
        CodeIndex closed = CodeIndex.open(tmp.resolve("closed-index"));
        closed.close();
        assertThrows(RuntimeException.class, () -> new Ingestor(g, closed).ingest(repo, IngestOptions.defaults().withRepoId("half"), IngestListener.NONE));
        assertTrue(g.repository("half").isEmpty(), "the partial repository is removed");
        assertEquals(0, g.counts("half")[0]);

        try (CodeIndex index = CodeIndex.open(tmp.resolve("index"))) {
            IngestSummary again = new Ingestor(g, index).ingest(repo, IngestOptions.defaults().withRepoId("half"), IngestListener.NONE);
            IngestSummary check = new Ingestor(g, index).ingest(repo, IngestOptions.defaults().withRepoId("half-check"), IngestListener.NONE);
            assertEquals(0, again.unchanged(), "nothing is taken for up to date");
            assertEquals(check.added(), again.added());
            assertEquals(GraphExport.export(g, "half-check").size(), GraphExport.export(g, "half").size());
        }
    }

    /**
     * A re-ingest that fails after rewriting some files (here: the search index is closed, so its
     * documents are never written; a Ctrl-C between the AST writes and the semantic edges leaves the
     * same kind of state) records new content hashes for files whose edges or index entries are
     * missing. The next run must not take them for up to date: it ingests the repository afresh.
     */
    @Test
    void aReingestThatFailsHalfWayIsRedoneInFullByTheNextRun() throws Exception {
        Neo4jCodeGraph g = TestGraph.graph();
        Path repo = FixtureRepo.copy(tmp.resolve("repo"));
        try (CodeIndex index = CodeIndex.open(tmp.resolve("index"))) {
            new Ingestor(g, index).ingest(repo, IngestOptions.defaults().withRepoId("redo"), IngestListener.NONE);
            assertTrue(g.lastIngestFinished("redo"));
            Files.writeString(repo.resolve("ts/src/util.ts"), Files.readString(repo.resolve("ts/src/util.ts"))
                    + "\nexport function subtractPlease(a: number, b: number): number {\n  return add(a, -b);\n}\n");

            CodeIndex closed = CodeIndex.open(tmp.resolve("closed-index"));
            closed.close();
            assertThrows(RuntimeException.class, () -> new Ingestor(g, closed).ingest(repo, IngestOptions.defaults().withRepoId("redo"), IngestListener.NONE));
            assertFalse(g.lastIngestFinished("redo"), "the graph holds the edit, the index does not");
            assertFalse(g.repository("redo").orElseThrow().ingestFinished(), "and the repository says so");

            IngestSummary again = new Ingestor(g, index).ingest(repo, IngestOptions.defaults().withRepoId("redo"), IngestListener.NONE);
            assertTrue(again.redoneUnfinished());
            assertTrue(again.render().contains("did not finish"), again.render());
            assertEquals(0, again.unchanged(), "nothing is taken for up to date");
            assertTrue(g.lastIngestFinished("redo"));
            assertEquals(List.of("ts/src/util.ts"), index.search(new CodeIndex.SearchQuery("redo", "subtractPlease", CodeIndex.Kind.SYMBOL, null, null, 5))
                    .stream().map(CodeIndex.Hit::path).toList());

            JavaSolver.forgetAll();
            new Ingestor(g, index).ingest(repo, IngestOptions.defaults().withRepoId("redo-check"), IngestListener.NONE);
            assertEquals(GraphExport.export(g, "redo-check"), GraphExport.export(g, "redo"));
            IngestSummary after = new Ingestor(g, index).ingest(repo, IngestOptions.defaults().withRepoId("redo"), IngestListener.NONE);
            assertFalse(after.redoneUnfinished());
            assertEquals(0, after.added() + after.changed() + after.deleted(), "finished: the next run is incremental again");
        }
    }
}
