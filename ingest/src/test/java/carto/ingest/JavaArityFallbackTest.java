package carto.ingest;

import carto.graph.neo4j.Neo4jCodeGraph;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

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
        Neo4jCodeGraph g = JavaPackage.ingest(tmp, "arity", Map.of(
                "Base.java", """
                        package p;

                        import com.lib.Gen;

                        public class Base {
                            public void flush(Gen g) {
                            }
                        }
                        """,
                "Writer.java", """
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

                            public void close(Gen g) {
                            }
                        }
                        """,
                "User.java", """
                        package p;

                        import com.lib.Gen;

                        public class User {
                            void use(Writer w, Gen g, Writer[] all) {
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
                                all[0].close(g);
                            }

                            void helper(Gen g) {
                            }

                            Writer writer() {
                                return null;
                            }

                            void flush(Gen g) {
                            }
                        }
                        """));
        List<String> calls = JavaPackage.calls(g, "arity");
        // pair(g, 1) has two candidates of two parameters; flush(g) in the anonymous Base means Base.flush, not
        // User.flush, and without the class's own declaration to ask that call is left out. w.flush(g), helper(g)
        // and writer().write(g) are exact: Writer's and User's only members of those names need no argument typed
        // (and writer() settled says write is Writer's); the receiver all[0] only the solver types
        assertEquals(List.of(
                "use -> p.Base exact line 12",
                "use -> p.Base.flush exact line 9",
                "use -> p.User.helper exact line 11",
                "use -> p.User.writer exact line 7",
                "use -> p.Writer.close heuristic line 17",
                "use -> p.Writer.plain exact line 10",
                "use -> p.Writer.write exact line 7"), calls);
    }

    @Test
    void anUnqualifiedCallToTheOnlyMemberOfItsNameAndArityIsExactWithoutTypingItsArguments() throws Exception {
        Neo4jCodeGraph g = JavaPackage.ingest(tmp, "only", Map.of(
                "Base.java", """
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
                        """,
                "Outer.java", """
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
                        """));
        List<String> calls = JavaPackage.calls(g, "only");
        // Base's private quiet is not a member of Inner, so Java finds Outer's; shared and other are Inner's inherited
        // members, called with or without this; of twice's two overloads only one takes one argument
        assertEquals(List.of(
                "run -> p.Base.other exact line 19",
                "run -> p.Base.shared exact line 18",
                "run -> p.Outer.quiet exact line 17",
                "run -> p.Outer.twice exact line 20"), calls);
    }
}
