package carto.api.cli;

import carto.ingest.lang.Language;
import carto.ingest.lang.LanguageDetector;
import carto.ingest.parse.AstDepth;
import carto.ingest.parse.CodeFrontEnd;
import carto.ingest.parse.ParsedCode;
import carto.ingest.parse.SyntaxTree;
import carto.ingest.parse.TreeSitterParser;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * The definition {@code carto bench ingest} appends to time a re-ingest that adds one: in every
 * language it edits, the file must stay free of syntax errors and gain a definition of that name.
 */
class BenchProbeTest {

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
            A.java   | class A {\\n    int f() {\\n        return 1;\\n    }\\n}\\n                  | CartoBenchProbe
            a.py     | def f():\\n    return 1\\n                                                    | carto_bench_probe
            a.c      | int f(void) {\\n    return 1;\\n}\\n                                        | carto_bench_probe
            a.cpp    | namespace n {\\nint f() { return 1; }\\n}\\n                                 | carto_bench_probe
            a.go     | package a\\n\\nfunc f() int {\\n    return 1\\n}\\n                             | cartoBenchProbe
            a.rs     | fn f() -> i32 {\\n    1\\n}\\n                                                | carto_bench_probe
            a.rb     | class A\\n  def f\\n    1\\n  end\\nend\\n                                      | carto_bench_probe
            a.php    | <?php\\n\\nfunction f() {\\n    return 1;\\n}\\n                                 | carto_bench_probe
            a.kt     | class A {\\n    fun f() = 1\\n}\\n                                             | cartoBenchProbe
            A.cs     | namespace N {\\n    class A {\\n        int F() { return 1; }\\n    }\\n}\\n     | CartoBenchProbe
            a.sh     | #!/bin/sh\\nf() {\\n  echo 1\\n}\\n                                            | carto_bench_probe
            a.ts     | export function f(): number {\\n    return 1;\\n}\\n                           | cartoBenchProbe
            a.js     | function f() {\\n    return 1;\\n}\\n                                          | cartoBenchProbe
            """)
    void theProbeIsOneMoreDefinitionAndNoSyntaxError(String name, String source, String probe) {
        String before = source.replace("\\n", "\n");
        String after = before + "\n" + BenchCommand.Ingest.probeDefinition(Path.of(name)) + "\n";
        Language language = LanguageDetector.detect(name, after);
        assertNotNull(language, name);
        ParsedCode was = parse(language, before), is = parse(language, after);
        assertNull(was.syntaxError(), name + " before");
        assertNull(is.syntaxError(), name + ":\n" + after);
        assertEquals(0, definitions(was, probe), name);
        assertEquals(1, definitions(is, probe), name + ":\n" + after);
    }

    private static ParsedCode parse(Language language, String source) {
        try (TreeSitterParser parser = language.parser(); SyntaxTree tree = parser.parse(source.getBytes(StandardCharsets.UTF_8))) {
            return new CodeFrontEnd(language, AstDepth.STATEMENTS).parse(tree, parser.grammar(), "f." + language.id);
        }
    }

    private static long definitions(ParsedCode code, String name) {
        return code.nodes().stream().filter(n -> n.kind() != null && name.equals(n.name())).count();
    }
}
