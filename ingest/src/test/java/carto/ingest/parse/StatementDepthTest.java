package carto.ingest.parse;

import carto.graph.FileGraph;
import carto.ingest.lang.Language;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** At statement depth a statement's parts are left out; full depth keeps them. */
class StatementDepthTest {
    private static final String C = """
            #define SQUARE(x) ((x) * (x))
            #pragma once
            struct point { int x; int y; };
            static int norm(struct point *p, int scale) {
                struct point copy = *p;
                return SQUARE(copy.x) * scale;
            }
            """;

    @Test
    void parametersSpecifiersAndPreprocessorPiecesAreNotStatements() {
        List<String> types = types(Language.C, C, AstDepth.STATEMENTS);
        assertEquals(List.of("translation_unit", "preproc_function_def", "preproc_call", "struct_specifier",
                "field_declaration", "field_declaration", "function_definition", "declaration", "return_statement"), types);
        List<FileGraph.AstNodeRecord> nodes = nodes(Language.C, C, AstDepth.STATEMENTS);
        assertEquals("struct", nodes.get(3).kind(), "the struct with its body is a definition");
        assertEquals("point", nodes.get(3).name());

        List<String> full = types(Language.C, C, AstDepth.FULL);
        for (String part : List.of("parameter_declaration", "storage_class_specifier", "preproc_arg", "preproc_params", "preproc_directive")) {
            assertTrue(full.contains(part), part + " is kept at full depth");
        }
        assertEquals(3, full.stream().filter("struct_specifier"::equals).count(), "the definition and the two uses of its name");
    }

    @Test
    void declarationDepthKeepsOnlyTheStructThatHasABody() {
        List<FileGraph.AstNodeRecord> nodes = nodes(Language.C, C, AstDepth.DECLARATIONS);
        assertEquals(List.of("translation_unit", "preproc_function_def", "struct_specifier", "function_definition"),
                nodes.stream().map(FileGraph.AstNodeRecord::type).toList());
    }

    @Test
    void declarationDepthKeepsDefinitionsOnlyAndHangsThemFromTheNearestKeptNode() {
        // a C declaration is a definition at the top level only (a variable, not a prototype); locals are not
        String c = "int counter;\nint f(int);\nstatic int g(void) {\n    int local = 1;\n    struct s { int a; } v;\n    return local;\n}\n";
        List<FileGraph.AstNodeRecord> nodes = nodes(Language.C, c, AstDepth.DECLARATIONS);
        assertEquals(List.of("translation_unit", "declaration", "function_definition", "struct_specifier"),
                nodes.stream().map(FileGraph.AstNodeRecord::type).toList());
        assertEquals(List.of(-1, 0, 0, 2), nodes.stream().map(FileGraph.AstNodeRecord::parent).toList(),
                "the struct inside the function's local declaration hangs from the function");
        assertEquals("counter", nodes.get(1).name());
        assertEquals("s", nodes.get(3).name());
        List<String> statements = types(Language.C, c, AstDepth.STATEMENTS);
        assertEquals(4, statements.stream().filter("declaration"::equals).count(), "statement depth keeps every declaration");
    }

    @Test
    void comprehensionClausesImportNamesAndSupertypesAreNotStatements() {
        List<String> python = types(Language.PYTHON, "def f(xs):\n    return [x for x in xs if x]\n", AstDepth.STATEMENTS);
        assertEquals(List.of("module", "function_definition", "return_statement"), python);
        List<String> ts = types(Language.TYPESCRIPT, "import { a, b } from './m';\nexport { a };\nclass C extends B implements I {}\n", AstDepth.STATEMENTS);
        assertEquals(List.of("program", "import_statement", "export_statement", "class_declaration"), ts);
    }

    @Test
    void aDeclaratorIsAStatementsPartUnlessItDefinesAFunction() {
        String ts = "export const handler = (req: R) => {\n    const id = req.id;\n    return id;\n};\nlet count = 0;\n";
        List<FileGraph.AstNodeRecord> nodes = nodes(Language.TYPESCRIPT, ts, AstDepth.STATEMENTS);
        assertEquals(List.of("program", "export_statement", "lexical_declaration", "variable_declarator", "arrow_function",
                "lexical_declaration", "return_statement", "lexical_declaration"), nodes.stream().map(FileGraph.AstNodeRecord::type).toList());
        assertEquals("handler", nodes.get(3).name());
        assertEquals("function", nodes.get(3).kind());
        assertEquals(4, nodes.get(5).parent(), "the local declaration is a statement of the arrow function");
        assertTrue(types(Language.TYPESCRIPT, ts, AstDepth.FULL).stream().filter("variable_declarator"::equals).count() == 3, "full depth keeps every declarator");
    }

    @Test
    void blocksAndBodiesGiveWayToTheStatementOrDefinitionTheyBelongTo() {
        String java = "class A {\n  int f;\n  void m(int x) {\n    if (x > 0) { f = x; } else { f = -x; }\n  }\n}\n";
        List<FileGraph.AstNodeRecord> nodes = nodes(Language.JAVA, java, AstDepth.STATEMENTS);
        assertEquals(List.of("program", "class_declaration", "field_declaration", "method_declaration", "if_statement", "expression_statement",
                "expression_statement"), nodes.stream().map(FileGraph.AstNodeRecord::type).toList());
        assertEquals(List.of(-1, 0, 1, 1, 3, 4, 4), nodes.stream().map(FileGraph.AstNodeRecord::parent).toList(),
                "members hang from their class, statements from the method and the if");
        List<String> full = types(Language.JAVA, java, AstDepth.FULL);
        assertTrue(full.contains("class_body") && full.contains("block"), "full depth keeps them");
        // Python: the else branch's statements hang from its clause, the if's own from the if
        List<FileGraph.AstNodeRecord> py = nodes(Language.PYTHON, "def f(x):\n    if x:\n        a = 1\n    else:\n        a = 2\n    return a\n", AstDepth.STATEMENTS);
        assertEquals(List.of("module", "function_definition", "if_statement", "expression_statement", "else_clause", "expression_statement", "return_statement"),
                py.stream().map(FileGraph.AstNodeRecord::type).toList());
        assertEquals(List.of(-1, 0, 1, 2, 2, 4, 1), py.stream().map(FileGraph.AstNodeRecord::parent).toList());
        // a Ruby block is a closure passed to a call, not a container: it stays
        assertTrue(types(Language.RUBY, "def each_twice\n  [1, 2].each { |x| puts x }\nend\n", AstDepth.STATEMENTS).contains("block"));
    }

    private static List<String> types(Language language, String source, AstDepth depth) {
        return nodes(language, source, depth).stream().map(FileGraph.AstNodeRecord::type).toList();
    }

    private static List<FileGraph.AstNodeRecord> nodes(Language language, String source, AstDepth depth) {
        return Parse.code(language, depth, source).nodes();
    }
}
