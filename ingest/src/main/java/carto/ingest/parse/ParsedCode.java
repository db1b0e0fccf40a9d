package carto.ingest.parse;

import carto.graph.FileGraph;

import java.util.List;
import java.util.Set;

/**
 * The AST nodes of a code file (pre-order, parent indices) and the names it uses; {@code identifiers}
 * are every identifier of a Java file (empty for other languages). {@code shape} is what resolving
 * other files against this one depends on; null for a Java file with a syntax error. {@code syntaxError}
 * says where the file's first syntax error is ({@code line 12: unexpected "=>"}); null when it parsed cleanly.
 */
public record ParsedCode(List<FileGraph.AstNodeRecord> nodes, List<RawReference> references, Set<String> identifiers, String syntaxError,
                         FileShape shape) {

    /** Whether the parser found a syntax error (the nodes are then the partial tree it recovered). */
    public boolean parseError() {
        return syntaxError != null;
    }
}
