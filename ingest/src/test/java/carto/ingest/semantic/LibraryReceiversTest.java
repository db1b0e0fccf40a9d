package carto.ingest.semantic;

import com.github.javaparser.JavaParser;
import com.github.javaparser.ParserConfiguration;
import com.github.javaparser.ast.CompilationUnit;
import com.github.javaparser.ast.expr.MethodCallExpr;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Set;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Which calls are left out of symbol resolution as calls on library types: every call named
 * {@code lib…} must be, every call named {@code solve…} must not (the binding or the type is not
 * certain from the syntax, or the type may be the repository's {@code Foo} or {@code Base}).
 */
class LibraryReceiversTest {
    static final String SOURCE = """
            package p;

            import java.util.List;
            import java.util.Map;

            class Plain {
                private StringBuilder buffer;
                private Foo foo;
                private String shadowed;
                private String byResource;
                private String byIterable;

                <T extends Foo> void generic(T t, List<String> names, Foo f, int[] counts, String... rest) {
                    t.solveTypeVariable();
                    names.libLocalGeneric();
                    f.solveRepoParameter();
                    rest.libVarargs();
                    counts.libArray();
                    buffer.libField();
                    foo.solveRepoField();
                    Map.Entry<String, Foo> e = null;
                    e.libNestedLibraryType();
                    var v = f;
                    v.solveVar();
                    List<Foo> foos = null;
                    foos.forEach(x -> x.solveUntypedLambda());
                    foos.forEach((Foo x) -> x.solveTypedRepoLambda());
                    names.forEach((String s) -> s.libTypedLambda());
                    Collections.solveStaticCallOnType();
                    if (e instanceof Foo shadowed) shadowed.solvePatternVariable();
                    try (Foo byResource = null) {
                        byResource.solveResourceInTry();
                    } catch (RuntimeException x) {
                        x.libCatchParameter();
                        byResource.solveResourceNameInCatch();
                    }
                    for (Foo byIterable : byIterable.solveIterableNamedLikeTheLoopVariable()) byIterable.solveLoopVariable();
                    java.util.Optional<Foo> opt = null;
                    opt.libQualifiedType();
                    Object o = new Base() {
                        void inner() { buffer.solveFieldInheritedByAnonymousClass(); }
                    };
                    class Local {
                        Foo names;
                        void k() { names.solveLocalClassFieldHidesParameter(); }
                    }
                }

                void afterCase(int k) {
                    switch (k) {
                        case 1:
                            Foo shadowed = null;
                            break;
                        case 2:
                            shadowed.solveLocalOfAnEarlierCase();
                    }
                }
            }

            class Child extends Base {
                private String text;

                void m() {
                    text.libOwnFieldOfASubclass();
                }
            }
            """;

    @Test
    void onlyCallsOnPlainlyDeclaredLibraryTypesAreLeftOut() {
        CompilationUnit cu = new JavaParser(new ParserConfiguration().setLanguageLevel(ParserConfiguration.LanguageLevel.BLEEDING_EDGE))
                .parse(SOURCE).getResult().orElseThrow();
        LibraryReceivers receivers = new LibraryReceivers(Set.of("Plain", "Child", "Foo", "Base", "Local"));
        TreeMap<String, Boolean> expected = new TreeMap<>(), actual = new TreeMap<>();
        List<MethodCallExpr> calls = cu.findAll(MethodCallExpr.class);
        for (MethodCallExpr call : calls) {
            String name = call.getNameAsString();
            if (!name.startsWith("lib") && !name.startsWith("solve")) continue;
            expected.put(name, name.startsWith("lib"));
            actual.put(name, receivers.outsideRepository(call));
        }
        assertEquals(24, expected.size(), "probes found: " + expected.keySet());
        assertEquals(expected, actual);
    }
}
