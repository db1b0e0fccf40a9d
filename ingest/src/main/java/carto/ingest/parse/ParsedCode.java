package carto.ingest.parse;

import carto.graph.FileGraph;

import java.util.List;
import java.util.Set;

/**
 * The AST nodes of a code file (pre-order, parent indices) and the names it uses; {@code identifiers}
 * are every identifier of a Java file (empty for other languages). {@code shape} is what resolving
 * other files against this one depends on; null for a Java file with a syntax error.
 */
public record ParsedCode(List<FileGraph.AstNodeRecord> nodes, List<RawReference> references, Set<String> identifiers, boolean parseError,
                         FileShape shape) {}
