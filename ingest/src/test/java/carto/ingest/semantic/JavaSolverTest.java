package carto.ingest.semantic;

import com.github.javaparser.ast.CompilationUnit;
import com.github.javaparser.ast.body.FieldDeclaration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Type lookups the repository cannot answer stay out of its package folders; the ones it can still resolve. */
class JavaSolverTest {
    @TempDir
    Path root;

    @AfterEach
    void forget() {
        JavaSolver.forgetAll();
    }

    static final String A = """
            package p;

            class A {
                String label;
                Hidden secret;
            }
            """;

    Map<String, String> write() throws IOException {
        Path p = Files.createDirectories(root.resolve("src/p"));
        Files.writeString(p.resolve("A.java"), A);
        // a top-level type in a file named after another one: only a parse of the folder finds it
        Files.writeString(p.resolve("B.java"), "package p;\n\npublic class B {}\n\nclass Hidden {}\n");
        for (int i = 0; i < 5; i++) Files.writeString(p.resolve("C" + i + ".java"), "package p;\n\npublic class C" + i + " {}\n");
        Map<String, String> hashes = new java.util.HashMap<>(Map.of("src/p/A.java", "a", "src/p/B.java", "b"));
        for (int i = 0; i < 5; i++) hashes.put("src/p/C" + i + ".java", "c" + i);
        return hashes;
    }

    static List<String> fieldTypes(JavaSolver solver) {
        CompilationUnit cu = solver.unit("src/p/A.java", A).orElseThrow();
        return cu.findAll(FieldDeclaration.class).stream().map(f -> f.getElementType().resolve().describe()).toList();
    }

    static final String ONLY_STRING = "package p;\n\nclass A {\n    String label;\n}\n";

    @Test
    void aTypeDeclaredInAFileOfAnotherNameIsStillFound() throws IOException {
        Map<String, String> hashes = write();
        JavaSolver told = JavaSolver.fresh(root, Set.of("src"), hashes).knowing(Set.of("p.A", "p.B", "p.Hidden", "p.C0", "p.C1", "p.C2", "p.C3", "p.C4"));
        assertEquals(List.of("java.lang.String", "p.Hidden"), fieldTypes(told));
        JavaSolver notTold = JavaSolver.fresh(root, Set.of("src"), hashes);
        assertEquals(List.of("java.lang.String", "p.Hidden"), fieldTypes(notTold));
        assertEquals(notTold.parsedFiles(), told.parsedFiles(), "Hidden is found by parsing p's folder either way");
    }

    @Test
    void aNameNoFileDeclaresIsNotLookedForInThePackageFolder() throws IOException {
        Map<String, String> hashes = write();
        JavaSolver told = JavaSolver.fresh(root, Set.of("src"), hashes).knowing(Set.of("p.A", "p.B", "p.C0", "p.C1", "p.C2", "p.C3", "p.C4"));
        JavaSolver notTold = JavaSolver.fresh(root, Set.of("src"), hashes);
        for (JavaSolver s : List.of(told, notTold)) {
            CompilationUnit cu = s.unit("src/p/A.java", ONLY_STRING).orElseThrow();
            assertEquals("java.lang.String", cu.findFirst(FieldDeclaration.class).orElseThrow().getElementType().resolve().describe());
        }
        assertEquals(1, told.parsedFiles(), "only A.java: p.String has no file and no declaration");
        assertEquals(7, notTold.parsedFiles(), "not told the types, JavaParser parses all of p to look for p.String");
    }

    @Test
    void solversSharingParsesEachResolveOnTheirOwnCopyParsedOnce() throws IOException {
        Map<String, String> hashes = write();
        Set<String> types = Set.of("p.A", "p.B", "p.Hidden", "p.C0", "p.C1", "p.C2", "p.C3", "p.C4");
        JavaSolver.SharedParses shared = new JavaSolver.SharedParses();
        JavaSolver one = JavaSolver.fresh(root, Set.of("src"), hashes).knowing(types).sharing(shared);
        JavaSolver two = JavaSolver.fresh(root, Set.of("src"), hashes).knowing(types).sharing(shared);
        assertEquals(List.of("java.lang.String", "p.Hidden"), fieldTypes(one));
        int parsed = shared.parsed();
        // A, and the package's files the lookup of Hidden went through
        org.junit.jupiter.api.Assertions.assertTrue(parsed >= 2, "parsed " + parsed);
        assertEquals(List.of("java.lang.String", "p.Hidden"), fieldTypes(two));
        assertEquals(parsed, shared.parsed(), "the second solver copies what the first parsed");
        CompilationUnit a1 = one.unit("src/p/A.java", A).orElseThrow(), a2 = two.unit("src/p/A.java", A).orElseThrow();
        org.junit.jupiter.api.Assertions.assertNotSame(a1, a2);
        assertEquals(a1.getStorage().orElseThrow().getPath(), a2.getStorage().orElseThrow().getPath());
        assertEquals(root.resolve("src/p/A.java").normalize(), a2.getStorage().orElseThrow().getPath());
        // positions survive the copy: the graph matches declarations by them
        assertEquals(a1.findAll(FieldDeclaration.class).stream().map(f -> f.getRange().orElseThrow().toString()).toList(),
                a2.findAll(FieldDeclaration.class).stream().map(f -> f.getRange().orElseThrow().toString()).toList());
        assertEquals("(line 5,col 5)-(line 5,col 18)", a2.findAll(FieldDeclaration.class).get(1).getRange().orElseThrow().toString());
        // a file with a syntax error is not resolved exactly, whether a lookup or the file's own turn parsed it first
        String broken = "package p;\n\npublic class Broken {\n    void m( }\n}\n";
        Files.writeString(root.resolve("src/p/Broken.java"), broken);
        String user = "package p;\n\nclass User {\n    Broken b;\n}\n";
        CompilationUnit u = one.unit("src/p/User.java", user).orElseThrow();
        int before = shared.parsed();
        try {
            u.findAll(FieldDeclaration.class).forEach(f -> f.getElementType().resolve());
        } catch (RuntimeException e) {
            // what JavaParser recovers from the broken file may not declare Broken; it was parsed all the same
        }
        assertEquals(before + 1, shared.parsed(), "the lookup parsed Broken.java");
        assertEquals(java.util.Optional.empty(), one.unit("src/p/Broken.java", broken));
        assertEquals(java.util.Optional.empty(), two.unit("src/p/Broken.java", broken));
    }
}
