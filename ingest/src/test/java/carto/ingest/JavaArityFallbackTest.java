package carto.ingest;

import carto.graph.TestGraph;
import carto.graph.neo4j.Neo4jCodeGraph;
import carto.graph.search.CodeIndex;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A call whose argument has a type from a library the symbol solver has no sources for cannot be
 * resolved exactly; it is linked by name and arity in the receiver's type when that is unambiguous,
 * and marked heuristic.
 */
class JavaArityFallbackTest {
    @TempDir
    Path tmp;

    @Test
    void aCallWithALibraryTypedArgumentIsLinkedByArityWhenUnambiguous() throws Exception {
        Path repo = tmp.resolve("repo");
        Path pkg = Files.createDirectories(repo.resolve("src/main/java/p"));
        Files.writeString(pkg.resolve("Base.java"), """
                package p;

                import com.lib.Gen;

                public class Base {
                    public void flush(Gen g) {
                    }
                }
                """);
        Files.writeString(pkg.resolve("Writer.java"), """
                package p;

                import com.lib.Gen;

                public class Writer extends Base {
                    public void write(Gen g) {
                    }

                    public void pair(Gen g, int n) {
                    }

                    public void pair(Gen g, String s) {
                    }

                    public void plain() {
                    }
                }
                """);
        Files.writeString(pkg.resolve("User.java"), """
                package p;

                import com.lib.Gen;

                public class User {
                    void use(Writer w, Gen g) {
                        writer().write(g);
                        w.pair(g, 1);
                        w.flush(g);
                        w.plain();
                        helper(g);
                        Base inner = new Base() {
                            void later() {
                                flush(g);
                            }
                        };
                    }

                    void helper(Gen g) {
                    }

                    Writer writer() {
                        return null;
                    }

                    void flush(Gen g) {
                    }
                }
                """);
        Neo4jCodeGraph g = TestGraph.graph();
        try (CodeIndex index = CodeIndex.open(tmp.resolve("index"))) {
            new Ingestor(g, index).ingest(repo, IngestOptions.defaults().withRepoId("arity"), IngestListener.NONE);
        }
        List<String> calls = g.read("calls", tx -> tx.run("""
                MATCH (a:AstNode {repoId: $r})-[c:CALLS]->(b:AstNode {repoId: $r})
                RETURN a.name + ' -> ' + b.qualifiedName + ' ' + c.resolution + ' line ' + c.line AS e ORDER BY e""",
                Map.of("r", "arity")).list(rec -> rec.get("e").asString()));
        // pair(g, 1) has two candidates of two parameters; flush(g) in the anonymous Base means Base.flush, not
        // User.flush, and without the class's own declaration to ask that call is left out. w.flush(g) and helper(g)
        // are exact: Writer's and User's only members of those names need no argument typed; the receiver of
        // writer().write(g) is a call, which only the solver types
        assertEquals(List.of(
                "use -> p.Base exact line 12",
                "use -> p.Base.flush exact line 9",
                "use -> p.User.helper exact line 11",
                "use -> p.User.writer exact line 7",
                "use -> p.Writer.plain exact line 10",
                "use -> p.Writer.write heuristic line 7"), calls);
    }

    @Test
    void anUnqualifiedCallToTheOnlyMemberOfItsNameIsExactWithoutTypingItsArguments() throws Exception {
        Path repo = tmp.resolve("repo2");
        Path pkg = Files.createDirectories(repo.resolve("src/main/java/p"));
        Files.writeString(pkg.resolve("Base.java"), """
                package p;

                import com.lib.Gen;

                public class Base {
                    private void quiet(Gen g) {
                    }

                    protected void shared(Gen g) {
                    }

                    public void other(Gen g) {
                    }
                }
                """);
        Files.writeString(pkg.resolve("Outer.java"), """
                package p;

                import com.lib.Gen;

                public class Outer {
                    void quiet(Gen g) {
                    }

                    void twice(Gen g) {
                    }

                    void twice(Gen g, int n) {
                    }

                    class Inner extends Base {
                        void run(Gen g) {
                            quiet(g);
                            shared(g);
                            this.other(g);
                            twice(g);
                        }
                    }
                }
                """);
        Neo4jCodeGraph g = TestGraph.graph();
        try (CodeIndex index = CodeIndex.open(tmp.resolve("index2"))) {
            new Ingestor(g, index).ingest(repo, IngestOptions.defaults().withRepoId("only"), IngestListener.NONE);
        }
        List<String> calls = g.read("calls", tx -> tx.run("""
                MATCH (a:AstNode {repoId: $r})-[c:CALLS]->(b:AstNode {repoId: $r})
                RETURN a.name + ' -> ' + b.qualifiedName + ' ' + c.resolution + ' line ' + c.line AS e ORDER BY e""",
                Map.of("r", "only")).list(rec -> rec.get("e").asString()));
        // Base's private quiet is not a member of Inner, so Java finds Outer's; shared and other are Inner's inherited
        // members, called with or without this; twice has two overloads, which only the solver (or the arity fallback)
        // can tell apart
        assertEquals(List.of(
                "run -> p.Base.other exact line 19",
                "run -> p.Base.shared exact line 18",
                "run -> p.Outer.quiet exact line 17",
                "run -> p.Outer.twice heuristic line 20"), calls);
    }
}
