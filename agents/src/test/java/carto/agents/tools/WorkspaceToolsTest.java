package carto.agents.tools;

import carto.agents.llm.ToolException;
import carto.agents.sandbox.CommandRunner;
import carto.agents.sandbox.Limits;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Search-and-replace edits are checked before they apply: one exact match, a file that still parses, a path inside the worktree. */
class WorkspaceToolsTest {
    @TempDir
    Path root;
    @TempDir
    Path outside;
    WorkspaceTools ws;
    final List<String> changed = new ArrayList<>();

    static final String SRC = """
            def gcd(a, b):
                if b == 0:
                    return a
                else:
                    return gcd(a % b, b)

            def twice(x):
                return x
            def thrice(x):
                return x
            """;

    @BeforeEach
    void setUp() throws IOException {
        Files.createDirectories(root.resolve("pkg"));
        Files.writeString(root.resolve("pkg/gcd.py"), SRC);
        ws = new WorkspaceTools(root, new CommandRunner(true), Limits.DEFAULT, changed::add);
    }

    @Test
    void replacesExactlyOneOccurrence() throws IOException {
        String r = ws.edit("pkg/gcd.py", "return gcd(a % b, b)", "return gcd(b, a % b)");
        assertTrue(r.contains("line 5"), r);
        assertTrue(Files.readString(root.resolve("pkg/gcd.py")).contains("return gcd(b, a % b)"));
        assertEquals(List.of("pkg/gcd.py"), changed);
    }

    @Test
    void refusesAmbiguousOrMissingText() throws IOException {
        ToolException twice = assertThrows(ToolException.class, () -> ws.edit("pkg/gcd.py", "    return x\n", "    return 2 * x\n"));
        assertTrue(twice.getMessage().contains("occurs 2 times"), twice.getMessage());
        ToolException missing = assertThrows(ToolException.class, () -> ws.edit("pkg/gcd.py", "return gcd(a %  b, b)", "x"));
        assertTrue(missing.getMessage().contains("does not occur"), missing.getMessage());
        assertEquals(SRC, Files.readString(root.resolve("pkg/gcd.py")), "nothing changed");
        assertTrue(changed.isEmpty());
    }

    @Test
    void acceptsOldTextCopiedWithLineNumbers() throws IOException {
        ws.edit("pkg/gcd.py", "4:     else:\n5:         return gcd(a % b, b)", "    else:\n        return gcd(b, a % b)");
        assertTrue(Files.readString(root.resolve("pkg/gcd.py")).contains("return gcd(b, a % b)"));
    }

    @Test
    void rejectsAnEditThatBreaksTheSyntax() throws IOException {
        ToolException e = assertThrows(ToolException.class, () -> ws.edit("pkg/gcd.py", "return gcd(a % b, b)", "return gcd(a % b, b"));
        assertTrue(e.getMessage().contains("would not parse as python"), e.getMessage());
        assertEquals(SRC, Files.readString(root.resolve("pkg/gcd.py")));
        Files.writeString(root.resolve("A.java"), "class A { int f() { return 1; } }\n");
        assertThrows(ToolException.class, () -> ws.edit("A.java", "return 1; }", "return 1; "));
        ws.edit("A.java", "return 1;", "return 2;");
        assertThrows(ToolException.class, () -> ws.create("B.java", "class B { void g( }"));
        assertTrue(ws.create("notes.txt", "any text ( is fine").startsWith("created"));
    }

    @Test
    void pathsStayInsideTheWorktree() throws IOException {
        assertThrows(ToolException.class, () -> ws.create("../escape.py", "x = 1\n"));
        assertThrows(ToolException.class, () -> ws.create("/etc/escape.py", "x = 1\n"));
        assertThrows(ToolException.class, () -> ws.create(".git/hooks/pre-commit", "echo\n"));
        Files.createSymbolicLink(root.resolve("link"), outside);
        ToolException e = assertThrows(ToolException.class, () -> ws.create("link/escape.py", "x = 1\n"));
        assertTrue(e.getMessage().contains("symbolic link"), e.getMessage());
        assertEquals(0, Files.list(outside).count());
        assertThrows(ToolException.class, () -> ws.read("missing.py"));
        Files.write(root.resolve("bin.dat"), new byte[]{1, 0, 2});
        assertTrue(assertThrows(ToolException.class, () -> ws.read("bin.dat")).getMessage().contains("binary"));
        Files.write(root.resolve("latin1.py"), new byte[]{'x', '=', '"', (byte) 0xE9, '"'});
        assertTrue(assertThrows(ToolException.class, () -> ws.read("latin1.py")).getMessage().contains("not UTF-8"));
    }
}
