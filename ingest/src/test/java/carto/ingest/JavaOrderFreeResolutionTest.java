package carto.ingest;

import carto.graph.neo4j.Neo4jCodeGraph;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * JavaParser lists a type's methods in a new order on every call. Edges must not depend on that
 * order: an override is found however many overloads beside it have parameter types the solver
 * cannot reach, and a call on a class that overrides a JDK interface's method means the class's
 * method, whichever of the override-equivalent methods the solver met first. Each case is written
 * several times over, so an order-dependent answer would miss at least one of them nearly always.
 */
class JavaOrderFreeResolutionTest {
    @TempDir
    Path tmp;

    @Test
    void overridesAndCallsDoNotDependOnTheOrderTheSolverListsMethodsIn() throws Exception {
        Neo4jCodeGraph g = JavaPackage.ingest(tmp, "order", Map.of(
                "Ctx.java", """
                        package p;

                        public class Ctx {
                        }
                        """,
                "Base.java", """
                        package p;

                        import com.lib.A;
                        import com.lib.B;
                        import com.lib.C;
                        import com.lib.D;
                        import com.lib.E;

                        public abstract class Base {
                            public abstract Base with(A a);
                            public abstract Base with(B b);
                            public abstract Base with(Ctx c);
                            public abstract Base with(C c);
                            public abstract Base with(D d);
                            public abstract Base with(E e);

                            public abstract Base and(A a);
                            public abstract Base and(B b);
                            public abstract Base and(C c);
                            public abstract Base and(Ctx c);
                            public abstract Base and(D d);
                            public abstract Base and(E e);

                            public abstract Base or(A a);
                            public abstract Base or(B b);
                            public abstract Base or(C c);
                            public abstract Base or(D d);
                            public abstract Base or(E e);
                            public abstract Base or(Ctx c);
                        }
                        """,
                "Sub.java", """
                        package p;

                        public class Sub extends Base {
                            @Override
                            public Sub with(Ctx c) {
                                return this;
                            }

                            @Override
                            public Sub and(Ctx c) {
                                return this;
                            }

                            @Override
                            public Sub or(Ctx c) {
                                return this;
                            }
                        }
                        """,
                "Chain.java", """
                        package p;

                        import java.util.AbstractCollection;
                        import java.util.Deque;

                        public abstract class Chain<E extends Chain.Link<E>> extends AbstractCollection<E> implements Deque<E> {
                            interface Link<T> {
                            }

                            @Override
                            @SuppressWarnings("unchecked")
                            public boolean remove(Object o) {
                                return (o instanceof Link<?>) && remove((E) o);
                            }

                            boolean remove(E e) {
                                return true;
                            }

                            @Override
                            public boolean removeFirstOccurrence(Object o) {
                                return remove(o);
                            }

                            @Override
                            public boolean removeLastOccurrence(Object o) {
                                return remove(o);
                            }

                            public boolean drop(Object o) {
                                return remove(o);
                            }

                            public boolean discard(Object o) {
                                return remove(o);
                            }

                            public boolean forget(Object o) {
                                return remove(o);
                            }
                        }
                        """));
        List<String> overrides = g.read("overrides", tx -> tx.run("""
                MATCH (a:AstNode {repoId: $r})-[:OVERRIDES]->(b:AstNode {repoId: $r})
                RETURN a.qualifiedName + ' -> ' + b.qualifiedName + ' line ' + b.startLine AS e ORDER BY e""",
                Map.of("r", "order")).list(rec -> rec.get("e").asString()));
        assertEquals(List.of(
                "p.Sub.and -> p.Base.and line 20",
                "p.Sub.or -> p.Base.or line 29",
                "p.Sub.with -> p.Base.with line 12"), overrides);
        List<String> calls = g.read("calls", tx -> tx.run("""
                MATCH (a:AstNode {repoId: $r, path: 'src/main/java/p/Chain.java'})-[c:CALLS]->(b:AstNode {repoId: $r})
                RETURN a.name + ' line ' + a.startLine + ' -> ' + b.name + ' line ' + b.startLine + ' ' + c.resolution AS e ORDER BY e""",
                Map.of("r", "order")).list(rec -> rec.get("e").asString()));
        assertEquals(List.of(
                "discard line 34 -> remove line 10 exact",
                "drop line 30 -> remove line 10 exact",
                "forget line 38 -> remove line 10 exact",
                "remove line 10 -> remove line 16 exact",
                "removeFirstOccurrence line 20 -> remove line 10 exact",
                "removeLastOccurrence line 25 -> remove line 10 exact"), calls);
    }
}
