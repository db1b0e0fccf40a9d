package carto.graph;

import java.util.List;

/**
 * Everything the graph stores for one file: its {@code File} node, its AST (nodes in pre-order,
 * each with the index of its parent, -1 for roots) and its text chunks (in order).
 */
public record FileGraph(FileNode file, List<AstNodeRecord> ast, List<TextChunk> text) {

    /** The nodes writing this file creates besides its directories: the file, its AST nodes and text chunks. */
    public int nodeCount() {
        return ast.size() + text.size() + 1;
    }

    /**
     * A file node. {@code skipReason} is set for files kept without content; {@code refNames} are the
     * names the file uses, so an incremental ingest can find the files a change affects;
     * {@code shapeHash} hashes what other files' resolution depends on (its definitions, and for Java
     * its declarations without bodies and comments), so an edit that keeps it needs no dependent
     * re-resolved; {@code shapeParts} the same per definition (after one for the rest of the file), so
     * an edit to some definitions needs only the files using their names re-resolved. Null when the
     * file has none (not code, or a Java file with a syntax error). {@code syntaxError} says where a
     * code file's first syntax error is (null when it parsed cleanly).
     */
    public record FileNode(String relativePath, String basename, String language, String contentHash, long size, int lines,
                           String encoding, String syntaxError, String skipReason, List<String> refNames, String shapeHash,
                           List<String> shapeParts) {
        public FileNode {
            refNames = refNames == null ? List.of() : List.copyOf(refNames);
            shapeParts = shapeParts == null ? List.of() : List.copyOf(shapeParts);
        }

        /** Whether the file's code has a syntax error (its AST is the partial tree the parser recovered). */
        public boolean parseError() {
            return syntaxError != null;
        }
    }

    /**
     * One AST node: type, optional name, definition kind ({@code class}, {@code method}, ...) when it
     * defines a symbol, qualified name, line range (1-based, inclusive) and byte range (0-based, end exclusive).
     */
    public record AstNodeRecord(int parent, String type, String name, String kind, String qualifiedName,
                                int startLine, int endLine, int startByte, int endByte, boolean error) {
        public boolean isDefinition() {
            return kind != null;
        }
    }

    /** A chunk of a text document (Markdown, RST, plain text) with its heading path. */
    public record TextChunk(String text, int startLine, int endLine, String heading) {}
}
