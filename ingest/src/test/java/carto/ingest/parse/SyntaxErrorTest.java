package carto.ingest.parse;

import carto.ingest.lang.Language;
import org.junit.jupiter.api.Test;


import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Where a file's first syntax error is, the way the ingest summary and the File node report it. */
class SyntaxErrorTest {

    private static ParsedCode parse(Language language, String source) {
        return Parse.code(language, AstDepth.STATEMENTS, source);
    }

    @Test
    void aTokenTheParserHadToAssumeIsReportedMissing() {
        ParsedCode c = parse(Language.JAVA, """
                class A {
                    int f() {
                        int y = 1
                        return y;
                    }
                }
                """);
        assertEquals("line 3: missing \";\"", c.syntaxError());
        assertTrue(c.parseError());
        // the partial tree is kept, its definitions with it
        assertTrue(c.nodes().stream().anyMatch(n -> "f".equals(n.name())), c.nodes().toString());
    }

    @Test
    void textThatFitsNowhereIsReportedUnexpectedOnItsLine() {
        assertEquals("line 3: unexpected \"+\"", parse(Language.JAVASCRIPT, "const a = 1;\nfunction f() {\n  return a +* 2;\n}\n").syntaxError());
        assertEquals("line 3: unexpected \"=\"", parse(Language.C, "int main(void) {\n  int x = 1;\n  x = = 2;\n  return x;\n}\n").syntaxError());
        // only the error's first line, at most 40 characters of it
        assertEquals("line 4: unexpected \"class {{{ broken\"",
                parse(Language.TYPESCRIPT, "export const x: number = 1;\n\n\nclass {{{ broken\n" + "y".repeat(100) + "\n").syntaxError());
        assertEquals("line 2: unexpected \"" + "@".repeat(40) + "...\"", parse(Language.PYTHON, "x = 1\n" + "@".repeat(100) + "\n").syntaxError());
    }

    @Test
    void aCleanFileHasNone() {
        ParsedCode c = parse(Language.JAVA, "class A {\n    int f() {\n        return 1;\n    }\n}\n");
        assertNull(c.syntaxError());
        assertFalse(c.parseError());
    }
}
