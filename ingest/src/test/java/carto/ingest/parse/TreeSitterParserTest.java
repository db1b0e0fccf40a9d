package carto.ingest.parse;

import carto.ingest.lang.Language;
import org.junit.jupiter.api.Test;
import org.treesitter.TSInputEncoding;
import org.treesitter.TSNode;
import org.treesitter.TSParser;
import org.treesitter.TSTree;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Our parser calls tree-sitter's C API directly, in Carto's optimized build where it was built (or
 * on the bonede libraries: the build runs these tests again with {@code -Dcarto.treesitter=bonede});
 * the JNI binding parses with its own libraries and reads the trees its own way. Walking both over
 * the same source must give the same nodes, positions, flags and fields.
 */
class TreeSitterParserTest {
    private static final List<String> FIELDS = List.of("name", "body", "declarator", "type", "value", "parameters", "condition");

    private static final String C = """
            #include <stdio.h>
            struct point { int x, y; };
            /* a comment with ünïcödé */
            static int add(int a, int b) {
                return a + b;
            }
            int main(void) {
                struct point p = {1, 2};
                if (p.x > 0) printf("%d\\n", add(p.x, p.y));
                return 0
            }
            """;
    private static final String PYTHON = "class Greeter(Base):\n    def greet(self, name):\n        return f\"hi {name}\"\r\n\ndef broken(:\n    pass\n";
    private static final String JAVA = "package a.b;\nclass A implements B {\n  int f = 1;\n  void m() { new C().run(); }\n}\n";

    @Test
    void theRuntimeIsCartosBuildWhereItWasBuiltUnlessTheBindingIsAskedFor() {
        boolean bindingAsked = "bonede".equals(System.getProperty("carto.treesitter"));
        boolean built = TreeSitterParser.class.getResource("/carto-native/") != null;
        assertEquals(built && !bindingAsked, TreeSitterParser.optimizedRuntime(), TreeSitterParser.runtime());
        assertTrue(TreeSitterParser.runtime().contains(TreeSitterParser.optimizedRuntime() ? "-O2" : "bonede"), TreeSitterParser.runtime());
    }

    @Test
    void nodesAgreeWithTheBindingOnEveryNodeOfTheTree() {
        assertSameTrees(Language.C, C);
        assertSameTrees(Language.PYTHON, PYTHON);
        assertSameTrees(Language.JAVA, JAVA);
        assertSameTrees(Language.RUST, "fn main() {\n    let v: Vec<u8> = vec![1, 2];\n}\n");
        assertSameTrees(Language.TSX, "export const App = () => <div>{items.map(i => <b>{i}</b>)}</div>;\n");
        assertSameTrees(Language.C, "");
    }

    @Test
    void everyGrammarAgreesWithTheBinding() {
        Map<Language, String> sources = new java.util.EnumMap<>(Language.class);
        sources.put(Language.CPP, "#include <vector>\ntemplate <typename T> class Box : public Base { T v; public: T get() const { return v; } };\nint main() { Box<int> b; return b.get(); }\n");
        sources.put(Language.GO, "package main\n\nimport \"fmt\"\n\ntype P struct{ X int }\n\nfunc (p *P) Show() { fmt.Println(p.X) }\n");
        sources.put(Language.JAVASCRIPT, "import x from './x.js';\nexport class A extends B { m() { return `t${x}`; } }\nconst f = async (a) => await a?.b;\n");
        sources.put(Language.TYPESCRIPT, "interface I<T> { f(x: T): void }\nexport abstract class C implements I<number> { f(x: number): void {} }\ntype U = string | number;\n");
        sources.put(Language.KOTLIN, "package a\n\ndata class P(val x: Int) : Base() {\n    fun show() = println(\"$x\")\n}\n");
        sources.put(Language.CSHARP, "namespace N { public class A : B, I { public int P { get; set; } void M() => Console.WriteLine($\"{P}\"); } }\n");
        sources.put(Language.RUBY, "module M\n  class A < B\n    def m(x) = x * 2\n    def n; yield <<~T; end\n  end\nend\n");
        sources.put(Language.PHP, "<?php\nnamespace N;\nclass A extends B implements I { public function m(int $x): int { return $x; } }\n?>\n<b>html</b>\n");
        sources.put(Language.BASH, "#!/bin/bash\nf() { local x=\"${1:-a}\"; echo \"$x\" | tr a b; }\ncat <<EOF\n$(f)\nEOF\n");
        sources.put(Language.TYPESCRIPT, "enum E { A = 1 }\nfunction g<T extends object>(t: T): keyof T { return Object.keys(t)[0] as keyof T; }\n");
        for (var e : sources.entrySet()) assertSameTrees(e.getKey(), e.getValue());
        for (Language l : Language.values()) if (l.isCode()) assertSameTrees(l, "");
    }

    @Test
    void nodesAgreeWithTheBindingOnRealPrograms() throws IOException {
        Path datasets = Path.of("../../shared/datasets").toAbsolutePath().normalize();
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isDirectory(datasets), "../shared/datasets is absent: only the inline sources are compared");
        int compared = 0;
        try (Stream<Path> s = Files.walk(datasets)) {
            for (Path p : (Iterable<Path>) s.filter(f -> f.toString().endsWith(".c") || f.toString().endsWith(".py")).sorted().limit(60)::iterator) {
                assertSameTrees(p.toString().endsWith(".c") ? Language.C : Language.PYTHON, Files.readString(p, StandardCharsets.ISO_8859_1));
                compared++;
            }
        }
        assertTrue(compared > 20, "compared " + compared + " files");
    }

    @Test
    void aNodeOfAClosedTreeFailsInsteadOfReadingFreedMemory() {
        SyntaxNode root;
        try (TreeSitterParser parser = Language.C.parser(); SyntaxTree tree = parser.parse(C.getBytes(StandardCharsets.UTF_8))) {
            root = tree.root();
            assertEquals("translation_unit", root.type());
        }
        assertThrows(IllegalStateException.class, root::childCount);
        assertThrows(IllegalStateException.class, () -> root.child(0));
    }

    @Test
    void aQueryWithPredicatesIsRefusedRatherThanMatchedUnchecked() {
        try (TreeSitterParser parser = Language.C.parser(); SyntaxTree tree = parser.parse(C.getBytes(StandardCharsets.UTF_8))) {
            var e = assertThrows(IllegalArgumentException.class, () -> tree.query("((identifier) @id (#eq? @id \"main\"))"));
            assertTrue(e.getMessage().contains("predicates"), e.getMessage());
        }
    }

    @Test
    void aFieldTheGrammarDoesNotHaveIsAbsent() {
        try (TreeSitterParser parser = Language.C.parser(); SyntaxTree tree = parser.parse(C.getBytes(StandardCharsets.UTF_8))) {
            assertNull(tree.root().field("no_such_field"));
        }
    }

    private static void assertSameTrees(Language language, String source) {
        byte[] utf8 = source.getBytes(StandardCharsets.UTF_8);
        try (TreeSitterParser ours = language.parser(); SyntaxTree tree = ours.parse(utf8); TSParser binding = new TSParser()) {
            assertTrue(binding.setLanguage(language.bindingGrammar()));
            TSTree theirs = binding.parseString(null, source);
            try {
                int[] count = {0};
                compare(tree.root(), theirs.getRootNode(), "root", count);
                assertTrue(count[0] > 0);
            } finally {
                theirs.close();
            }
        }
    }

    private static void compare(SyntaxNode ours, TSNode theirs, String where, int[] count) {
        count[0]++;
        String at = where + "/" + theirs.getType();
        assertEquals(theirs.getType(), ours.type(), at);
        assertEquals(theirs.isNamed(), ours.isNamed(), at);
        assertEquals(theirs.getStartByte(), ours.startByte(), at);
        assertEquals(theirs.getEndByte(), ours.endByte(), at);
        assertEquals(theirs.getStartPoint().getRow() + 1, ours.startLine(), at + " start line");
        var end = theirs.getEndPoint();
        int endLine = end.getColumn() == 0 && end.getRow() + 1 > ours.startLine() ? end.getRow() : end.getRow() + 1;
        assertEquals(endLine, ours.endLine(), at + " end line");
        assertEquals(theirs.hasError(), ours.hasError(), at);
        assertEquals(theirs.isError() || theirs.isMissing(), ours.isError(), at);
        assertEquals(theirs.getChildCount(), ours.childCount(), at);
        for (String f : FIELDS) {
            TSNode tf = theirs.getChildByFieldName(f);
            SyntaxNode of = ours.field(f);
            if (tf == null || tf.isNull()) {
                assertNull(of, at + " field " + f);
            } else {
                assertEquals(tf.getStartByte(), of.startByte(), at + " field " + f);
                assertEquals(tf.getType(), of.type(), at + " field " + f);
            }
        }
        for (int i = 0; i < theirs.getChildCount(); i++) compare(ours.child(i), theirs.getChild(i), at, count);
    }
}
