package carto.ingest;

import carto.graph.neo4j.Neo4jCodeGraph;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Calls that Java's own lookup rules settle without typing their arguments: of the methods a call
 * can find by its name, one alone takes that many arguments. Every call here passes a value of a
 * library type the symbol solver has no sources for, so the solver cannot type it: an exact edge
 * shows the call was settled from the declarations, a heuristic one that the arity fallback
 * guessed. A variable that shares its name with a type must win over the type, as in Java.
 */
class JavaSettledCallsTest {
    @TempDir
    Path tmp;

    private static final String UTIL = """
            package p;

            import com.lib.Gen;

            public class Util {
                public static void fmt(Gen g) {
                }

                public static void fmt(Gen g, int width) {
                }

                public static void only(Gen g) {
                }
            }
            """;

    private static final String OTHER = """
            package p;

            import com.lib.Gen;

            public class Other {
                public void fmt(Gen g) {
                }
            }
            """;

    @Test
    void staticCallsOnARepositoryTypeAreSettledByArity() throws Exception {
        Neo4jCodeGraph g = JavaPackage.ingest(tmp, "static", Map.of("Util.java", UTIL, "User.java", """
                package p;

                import com.lib.Gen;

                public class User {
                    void use(Gen g) {
                        Util.fmt(g);
                        Util.fmt(g, 2);
                        Util.only(g);
                    }
                }
                """));
        assertEquals(List.of(
                "use -> p.Util.fmt(line 6) exact line 7",
                "use -> p.Util.fmt(line 9) exact line 8",
                "use -> p.Util.only(line 12) exact line 9"), JavaPackage.calls(g, "static", true));
    }

    @Test
    void staticallyImportedMethodsAreSettledUnlessAnEnclosingClassHasAMemberOfThatName() throws Exception {
        Neo4jCodeGraph g = JavaPackage.ingest(tmp, "imports", Map.of("Util.java", UTIL, "Single.java", """
                package p;

                import static p.Util.fmt;

                import com.lib.Gen;

                public class Single {
                    void use(Gen g) {
                        fmt(g, 3);
                    }
                }
                """, "OnDemand.java", """
                package p;

                import static p.Util.*;

                import com.lib.Gen;

                public class OnDemand {
                    void use(Gen g) {
                        fmt(g);
                        only(g);
                    }

                    class Inner {
                        void run(Gen g) {
                            only(g);
                        }

                        void only(Gen g) {
                        }
                    }
                }
                """));
        // in Inner, its own member only(Gen) hides the imported one (JLS 15.12.1)
        assertEquals(List.of(
                "run -> p.OnDemand.Inner.only(line 18) exact line 15",
                "use -> p.Util.fmt(line 6) exact line 9",
                "use -> p.Util.fmt(line 9) exact line 9",
                "use -> p.Util.only(line 12) exact line 10"), JavaPackage.calls(g, "imports", true));
    }

    @Test
    void aCallOnTheResultOfASettledCallSearchesTheTypeItsMethodReturns() throws Exception {
        Neo4jCodeGraph g = JavaPackage.ingest(tmp, "chain", Map.of("Other.java", OTHER, "Chain.java", """
                package p;

                import com.lib.Gen;

                public class Chain {
                    Other other(Gen g) {
                        return new Other();
                    }

                    void use(Gen g) {
                        other(g).fmt(g);
                    }
                }
                """));
        // the solver cannot type other(g), so without settling it the chained fmt(g) would have no edge at all
        assertEquals(List.of(
                "other -> p.Other(line 5) exact line 7",
                "use -> p.Chain.other(line 6) exact line 11",
                "use -> p.Other.fmt(line 6) exact line 11"), JavaPackage.calls(g, "chain", true));
    }

    @Test
    void aCallWithoutArgumentsMeansTheOverrideNearestInTheClassChain() throws Exception {
        Neo4jCodeGraph g = JavaPackage.ingest(tmp, "zero", Map.of("Named.java", """
                package p;

                public interface Named {
                    default String name() {
                        return "";
                    }
                }
                """, "Base.java", """
                package p;

                public class Base {
                    public String name() {
                        return "base";
                    }

                    public void reset() {
                    }

                    public void log(String... parts) {
                    }
                }
                """, "Middle.java", """
                package p;

                public class Middle extends Base implements Named {
                    @Override
                    public void reset() {
                    }

                    public void log() {
                    }
                }
                """, "Leaf.java", """
                package p;

                public class Leaf extends Middle {
                    void run(Middle other) {
                        reset();
                        name();
                        log();
                        other.reset();
                    }
                }
                """));
        // Middle's reset overrides Base's; Base's name (a class's method) wins over Named's default; log() takes
        // Middle's method without parameters, not Base's variable arity one
        assertEquals(List.of(
                "run -> p.Base.name(line 4) exact line 6",
                "run -> p.Middle.log(line 8) exact line 7",
                "run -> p.Middle.reset(line 4) exact line 5"), JavaPackage.calls(g, "zero", true).stream().filter(c -> c.startsWith("run")).toList());
    }

    @Test
    void aFieldNamedLikeATypeIsTheReceiverNotTheType() throws Exception {
        Neo4jCodeGraph g = JavaPackage.ingest(tmp, "shadow", Map.of("Util.java", UTIL, "Other.java", OTHER, "Parent.java", """
                package p;

                public class Parent {
                    protected Other Util = new Other();
                }
                """, "Own.java", """
                package p;

                import com.lib.Gen;

                public class Own {
                    private final Other Util = new Other();

                    void use(Gen g) {
                        Util.fmt(g);
                    }
                }
                """, "Pattern.java", """
                package p;

                import com.lib.Gen;

                public class Pattern {
                    void use(Object o, Gen g) {
                        if (o instanceof Other Util) {
                            Util.fmt(g);
                        }
                    }
                }
                """, "Heir.java", """
                package p;

                import com.lib.Gen;

                public class Heir extends Parent {
                    void use(Gen g) {
                        Util.fmt(g);
                    }
                }
                """));
        // the inherited field is not in Heir's file, and a pattern variable is not where the syntax walk looks for
        // declarations: the solver is asked, fails on Gen, and the arity fallback finds Other.fmt through the
        // variable's type; Util.fmt would be wrong in all three
        List<String> calls = JavaPackage.calls(g, "shadow", true);
        assertEquals(List.of(
                "use -> p.Other.fmt(line 6) exact line 9",
                "use -> p.Other.fmt(line 6) heuristic line 7",
                "use -> p.Other.fmt(line 6) heuristic line 8"), calls.stream().filter(c -> c.contains(".fmt(")).toList());
    }

    @Test
    void constructorsAreSettledByArityAndADefaultConstructorCallsItsClass() throws Exception {
        Neo4jCodeGraph g = JavaPackage.ingest(tmp, "ctors", Map.of("Holder.java", """
                package p;

                import com.lib.Gen;

                public class Holder {
                    public Holder(Gen g) {
                    }

                    public Holder(Gen g, int width) {
                    }
                }
                """, "Twin.java", """
                package p;

                import com.lib.Gen;

                public class Twin {
                    public Twin(Gen g) {
                    }

                    public Twin(String s) {
                    }
                }
                """, "Plain.java", """
                package p;

                public class Plain {
                }
                """, "Maker.java", """
                package p;

                import com.lib.Gen;

                public class Maker {
                    void make(Gen g) {
                        new Holder(g);
                        new Holder(g, 2);
                        new Plain();
                        new Twin(g);
                    }
                }
                """));
        // the solver cannot type g, so it resolved none of these; one constructor of each arity settles Holder's,
        // Plain's default constructor is Plain itself, and Twin's two of one arity are left to the solver (no edge)
        assertEquals(List.of(
                "make -> p.Holder.Holder(line 6) exact line 7",
                "make -> p.Holder.Holder(line 9) exact line 8",
                "make -> p.Plain(line 3) exact line 9"), JavaPackage.calls(g, "ctors", true));
    }
}
