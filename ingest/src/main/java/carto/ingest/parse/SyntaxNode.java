package carto.ingest.parse;

/** A node of a concrete syntax tree; lines are 1-based, bytes are UTF-8 offsets, end exclusive. */
public interface SyntaxNode {
    String type();

    boolean isNamed();

    int startByte();

    int endByte();

    int startLine();

    int endLine();

    int childCount();

    SyntaxNode child(int i);

    /** The child in the grammar field {@code name}, or null. */
    SyntaxNode field(String name);

    /** Whether this subtree contains a syntax error. */
    boolean hasError();

    /** Whether this node itself is an ERROR or MISSING node. */
    boolean isError();
}
