package carto.ingest.parse;

import carto.ingest.lang.Language;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Generated code can nest far deeper than anything written by hand. Tree-sitter's query cursor
 * checks every match in progress at every node, and a chain of calls keeps one in progress per
 * level, so querying a 50,000-call chain took minutes; queries now start matches at most
 * {@link TreeSitterParser#MAX_QUERY_DEPTH} levels deep. The timeout only guards against that hang
 * coming back (the file parses in well under a second); it measures no speed.
 */
class DeepNestingTest {

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void aGeneratedFiftyThousandCallChainKeepsTheFilesDefinitionsAndShallowCalls() {
        String source = "function shallow() {\n  return helper();\n}\n"
                + "function deep() {\n  return a" + ".b()".repeat(50_000) + ";\n}\n"
                + "function helper() {\n  return 1;\n}\n";
        ParsedCode code = Parse.code(Language.JAVASCRIPT, AstDepth.STATEMENTS, source);
        assertNull(code.syntaxError());
        List<String> definitions = code.nodes().stream().filter(n -> n.kind() != null).map(n -> n.name() + ":" + n.startLine()).toList();
        assertEquals(List.of("shallow:1", "deep:4", "helper:7"), definitions);
        assertTrue(code.references().stream().anyMatch(r -> r.kind() == RawReference.Kind.CALL && r.name().equals("helper") && r.line() == 2),
                code.references().toString());
        // the outermost calls of the chain are recorded; those nested beyond the query depth are not
        long chained = code.references().stream().filter(r -> r.kind() == RawReference.Kind.CALL && r.name().equals("b")).count();
        assertTrue(chained > 0 && chained < 50_000, "calls of b recorded: " + chained);
    }
}
