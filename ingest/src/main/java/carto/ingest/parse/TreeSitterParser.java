package carto.ingest.parse;

import org.treesitter.TSInputEncoding;
import org.treesitter.TSLanguage;
import org.treesitter.TSNode;
import org.treesitter.TSParser;
import org.treesitter.TSQuery;
import org.treesitter.TSQueryCapture;
import org.treesitter.TSQueryCursor;
import org.treesitter.TSQueryException;
import org.treesitter.TSQueryMatch;
import org.treesitter.TSTree;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * Our one door to the tree-sitter JNI binding: parses UTF-8 bytes with a grammar and exposes the
 * result as {@link SyntaxTree}. A parser is not thread-safe; use one per thread.
 */
public final class TreeSitterParser implements AutoCloseable {
    private static final Map<String, TSLanguage> LANGUAGES = new ConcurrentHashMap<>();
    private static final Map<String, TSQuery> QUERIES = new ConcurrentHashMap<>();

    private final TSParser parser = new TSParser();
    private final String grammar;
    private final TSLanguage language;

    public TreeSitterParser(String grammar, Supplier<TSLanguage> factory) {
        this.grammar = grammar;
        this.language = LANGUAGES.computeIfAbsent(grammar, g -> factory.get());
        if (!parser.setLanguage(language)) {
            throw new IllegalStateException("tree-sitter grammar '" + grammar + "' is not compatible with this tree-sitter runtime");
        }
    }

    /** The grammar (for reading its symbol table). */
    public TSLanguage grammar() {
        return language;
    }

    public SyntaxTree parse(byte[] utf8) {
        byte[] buffer = new byte[1 << 16];
        TSTree tree = parser.parse(buffer, null, (buf, offset, position) -> {
            int n = Math.min(buf.length, utf8.length - offset);
            if (n <= 0) return 0;
            System.arraycopy(utf8, offset, buf, 0, n);
            return n;
        }, TSInputEncoding.TSInputEncodingUTF8);
        if (tree == null) throw new IllegalStateException("tree-sitter returned no tree for a " + grammar + " file");
        return new Tree(tree, utf8);
    }

    @Override
    public void close() {
        parser.close();
    }

    private final class Tree implements SyntaxTree {
        private final TSTree tree;
        private final byte[] source;

        Tree(TSTree tree, byte[] source) {
            this.tree = tree;
            this.source = source;
        }

        @Override
        public SyntaxNode root() {
            return new Node(tree.getRootNode());
        }

        @Override
        public byte[] source() {
            return source;
        }

        @Override
        public List<Map<String, SyntaxNode>> query(String pattern) {
            TSQuery q = QUERIES.computeIfAbsent(grammar + "\u0000" + pattern, k -> {
                try {
                    return new TSQuery(language, pattern);
                } catch (TSQueryException e) {
                    throw new IllegalArgumentException("invalid tree-sitter query for " + grammar + ": " + e.getMessage(), e);
                }
            });
            List<Map<String, SyntaxNode>> out = new ArrayList<>();
            try (TSQueryCursor cursor = new TSQueryCursor()) {
                cursor.exec(q, tree.getRootNode());
                TSQueryMatch m = new TSQueryMatch();
                while (cursor.nextMatch(m)) {
                    Map<String, SyntaxNode> captures = new LinkedHashMap<>();
                    for (TSQueryCapture c : m.getCaptures()) captures.put(q.getCaptureNameForId(c.getIndex()), new Node(c.getNode()));
                    out.add(captures);
                }
            }
            return out;
        }

        @Override
        public void close() {
            tree.close();
        }
    }

    private static final class Node implements SyntaxNode {
        private final TSNode n;
        private String type;

        Node(TSNode n) {
            this.n = n;
        }

        @Override
        public String type() {
            if (type == null) type = n.getType();
            return type;
        }

        @Override
        public boolean isNamed() {
            return n.isNamed();
        }

        @Override
        public int startByte() {
            return n.getStartByte();
        }

        @Override
        public int endByte() {
            return n.getEndByte();
        }

        @Override
        public int startLine() {
            return n.getStartPoint().getRow() + 1;
        }

        @Override
        public int endLine() {
            var p = n.getEndPoint();
            // a node ending at column 0 ends on the previous line (its last character is the newline)
            return p.getColumn() == 0 && p.getRow() > n.getStartPoint().getRow() ? p.getRow() : p.getRow() + 1;
        }

        @Override
        public int childCount() {
            return n.getChildCount();
        }

        @Override
        public SyntaxNode child(int i) {
            return new Node(n.getChild(i));
        }

        @Override
        public SyntaxNode field(String name) {
            TSNode c = n.getChildByFieldName(name);
            return c == null || c.isNull() ? null : new Node(c);
        }

        @Override
        public boolean hasError() {
            return n.hasError();
        }

        @Override
        public boolean isError() {
            return n.isError() || n.isMissing();
        }
    }
}
