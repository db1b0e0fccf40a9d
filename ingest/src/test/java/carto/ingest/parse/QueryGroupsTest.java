package carto.ingest.parse;

import carto.ingest.lang.Language;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Several queries answered in one pass give each group exactly what the query alone gives. */
class QueryGroupsTest {
    private static final String SOURCE = """
            import os
            from pkg import helper

            class Greeter(Base):
                def greet(self, name):
                    return helper(format(name))

            def main():
                Greeter().greet(os.getcwd())
            """;

    @Test
    void eachMatchNamesItsGroupAndGroupsMatchTheirSingleQueries() {
        String calls = "(call function: [(identifier) @name (attribute attribute: (identifier) @name)])";
        String classes = "(class_definition name: (identifier) @name)";
        String functions = "(function_definition name: (identifier) @name)";
        List<String> groups = Arrays.asList(calls, null, classes, functions);
        try (TreeSitterParser parser = Language.PYTHON.parser(); SyntaxTree tree = parser.parse(SOURCE.getBytes(StandardCharsets.UTF_8))) {
            List<SyntaxTree.Match> all = tree.queryGroups(groups);
            for (int g = 0; g < groups.size(); g++) {
                List<String> together = new ArrayList<>(), alone = new ArrayList<>();
                for (SyntaxTree.Match m : all) if (m.group() == g) together.add(text(tree, m.captures()));
                if (groups.get(g) != null) for (Map<String, SyntaxNode> m : tree.query(groups.get(g))) alone.add(text(tree, m));
                together.sort(null);
                alone.sort(null);
                assertEquals(alone, together, "group " + g);
            }
            assertEquals(List.of("Greeter", "format", "getcwd", "greet", "helper"),
                    all.stream().filter(m -> m.group() == 0).map(m -> text(tree, m.captures()).split("@")[0]).sorted().toList());
            assertTrue(all.stream().noneMatch(m -> m.group() == 1), "a null group matches nothing");
            assertEquals(List.of("Greeter"), all.stream().filter(m -> m.group() == 2).map(m -> text(tree, m.captures()).split("@")[0]).toList());
            assertEquals(List.of("greet", "main"), all.stream().filter(m -> m.group() == 3).map(m -> text(tree, m.captures()).split("@")[0]).sorted().toList());
        }
    }

    @Test
    void aBrokenQueryNamesTheGrammar() {
        try (TreeSitterParser parser = Language.PYTHON.parser(); SyntaxTree tree = parser.parse("x = 1\n".getBytes(StandardCharsets.UTF_8))) {
            var e = assertThrows(IllegalArgumentException.class, () -> tree.queryGroups(List.of("(identifier) @ok", "(no_such_node) @x")));
            assertTrue(e.getMessage().contains("invalid tree-sitter query for python"), e.getMessage());
        }
    }

    private static String text(SyntaxTree tree, Map<String, SyntaxNode> captures) {
        SyntaxNode n = captures.get("name");
        return tree.text(n) + "@" + n.startByte();
    }
}
