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

    /** One match of {@link #queryGroups}: the index of the query that matched and its captures. */
    record Match(int group, Map<String, SyntaxNode> captures) {}

    /**
     * Several queries answered in one pass over the tree (a pass costs about as much as a query, so
     * this is much cheaper than one call per query); matches come in tree order, each naming its
     * group. Null groups match nothing.
     */
    List<Match> queryGroups(List<String> groups);

    @Override
    void close();
}
