package carto.ingest.parse;

import carto.graph.FileGraph;

import java.util.List;

/** The AST nodes of a code file (pre-order, parent indices) and the names it uses. */
public record ParsedCode(List<FileGraph.AstNodeRecord> nodes, List<RawReference> references, boolean parseError) {}
