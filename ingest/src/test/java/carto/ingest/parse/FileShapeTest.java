package carto.ingest.parse;

import carto.ingest.lang.Language;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/** Which edits change which parts of a file's shape. */
class FileShapeTest {
    static final String JAVA = """
            package p;

            import java.util.List;

            /** A class. */
            public class A {
                private int count;

                public A() {
                    count = 1;
                }

                public int size(List<String> xs) {
                    return xs.size();
                }

                void run() {
                    size(null);
                }
            }
            """;

    static FileShape shape(Language language, String source) {
        try (TreeSitterParser parser = language.parser(); SyntaxTree tree = parser.parse(source.getBytes(StandardCharsets.UTF_8))) {
            return new CodeFrontEnd(language, AstDepth.STATEMENTS).parse(tree, parser.grammar(), "p/A" + (language == Language.JAVA ? ".java" : ".py")).shape();
        }
    }

    /** The indexes of the parts that differ. */
    static List<Integer> changed(FileShape a, FileShape b) {
        assertEquals(a.parts().size(), b.parts().size());
        List<Integer> out = new ArrayList<>();
        for (int i = 0; i < a.parts().size(); i++) if (!a.parts().get(i).equals(b.parts().get(i))) out.add(i);
        return out;
    }

    @Test
    void javaBodiesCommentsAndWhiteSpaceLeaveTheShapeAsItIs() {
        FileShape before = shape(Language.JAVA, JAVA);
        assertEquals(1 + 5, before.parts().size(), "the rest of the file, then A, count, A(), size, run");
        String edited = JAVA.replace("return xs.size();", "// counted\n        return xs.isEmpty() ? 0 : xs.size();")
                .replace("/** A class. */", "/** A class, documented. */").replace("count = 1;", "count = 2;").replace("    void run()", "\n\n    void run()");
        FileShape after = shape(Language.JAVA, edited);
        assertEquals(before, after);
    }

    @Test
    void aJavaDeclarationChangesItsOwnPartOnly() {
        FileShape before = shape(Language.JAVA, JAVA);
        assertEquals(List.of(4), changed(before, shape(Language.JAVA, JAVA.replace("public int size(List<String> xs)", "public long size(List<String> xs)"))));
        assertEquals(List.of(2), changed(before, shape(Language.JAVA, JAVA.replace("private int count;", "private long count;"))));
        assertEquals(List.of(1), changed(before, shape(Language.JAVA, JAVA.replace("public class A {", "public class A implements Runnable {"))));
        assertEquals(List.of(0), changed(before, shape(Language.JAVA, JAVA.replace("import java.util.List;", "import java.awt.List;"))));
        assertNotEquals(before.hash(), shape(Language.JAVA, JAVA.replace("void run()", "void go()")).hash());
    }

    @Test
    void aJavaFileWithASyntaxErrorHasNoShapeWhileOtherLanguagesKeepTheirDefinitions() {
        assertNull(shape(Language.JAVA, JAVA.replace("return xs.size();", "return xs.size(;")));
        String python = "def f(x):\n    return x\n\n\nclass C:\n    def m(self):\n        return 1\n";
        FileShape before = shape(Language.PYTHON, python);
        assertEquals(before, shape(Language.PYTHON, python.replace("return x\n", "return x + 1\n")), "a Python body is not part of its shape");
        assertEquals(List.of(1), changed(before, shape(Language.PYTHON, python.replace("def f(x)", "def g(x)"))));
    }
}
