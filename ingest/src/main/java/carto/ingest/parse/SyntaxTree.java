package carto.ingest.parse;

import java.util.List;
import java.util.Map;

/** A parsed file: the tree, the UTF-8 bytes it was parsed from, and pattern queries over it. */
public interface SyntaxTree extends AutoCloseable {
    SyntaxNode root();

    byte[] source();

    /** Source text of a node. */
    default String text(SyntaxNode n) {
        return new String(source(), n.startByte(), n.endByte() - n.startByte(), java.nio.charset.StandardCharsets.UTF_8);
    }

    /** Matches of a tree-sitter query (compiled once per language and cached); each match maps capture names to nodes. */
    List<Map<String, SyntaxNode>> query(String pattern);

    @Override
    void close();
}
