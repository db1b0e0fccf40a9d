package carto.ingest;

import carto.graph.neo4j.Neo4jCodeGraph;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A simple name refers to a field only where no local variable or parameter of that name is in
 * scope: locals, parameters and lambda parameters hide the field (and need no solver), while in a
 * class body nested in the method (here an anonymous subclass) the field that body inherits wins
 * over the method's local.
 */
class JavaFieldReferencesTest {
    @TempDir
    Path tmp;

    @Test
    void localsAndParametersHideAFieldAndANestedClassBodySeesItsInheritedField() throws Exception {
        Neo4jCodeGraph g = JavaPackage.ingest(tmp, "fields", Map.of("Base.java", """
                package p;

                public class Base {
                    protected int count;
                }
                """, "Counter.java", """
                package p;

                import java.util.function.IntUnaryOperator;

                public class Counter {
                    int count;

                    int local() {
                        int count = 1;
                        return count;
                    }

                    int parameter(int count) {
                        return count;
                    }

                    IntUnaryOperator lambda() {
                        return count -> count + 1;
                    }

                    int field() {
                        return count;
                    }

                    Base nested() {
                        int count = 2;
                        return new Base() {
                            int read() {
                                return count;
                            }
                        };
                    }
                }
                """));
        List<String> refs = g.read("refs", tx -> tx.run("""
                MATCH (a:AstNode {repoId: $r})-[c:REFERENCES]->(b:AstNode {repoId: $r})
                RETURN a.name + ' -> ' + b.qualifiedName + ' ' + c.resolution + ' line ' + c.line AS e ORDER BY e""",
                Map.of("r", "fields")).list(rec -> rec.get("e").asString()));
        assertEquals(List.of(
                "field -> p.Counter.count exact line 22",
                "nested -> p.Base exact line 25",
                "read -> p.Base.count exact line 29"), refs);
    }
}
