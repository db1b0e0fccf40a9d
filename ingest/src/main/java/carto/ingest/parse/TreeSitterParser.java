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
    private static final Map<String, GroupedQuery> QUERIES = new ConcurrentHashMap<>();

    /**
     * Several queries compiled as one, so a single pass over the tree answers all of them: tree-sitter's
     * cursor cost is mostly the walk, paid once instead of once per query. Each pattern remembers the
     * group (the query text) it came from, found through the pattern's start offset in the joined source.
     */
    private record GroupedQuery(TSQuery query, int[] groupOfPattern, String[] captureNames) {
        static GroupedQuery compile(TSLanguage language, String grammar, List<String> groups) {
            StringBuilder source = new StringBuilder();
            int[] starts = new int[groups.size()];
            for (int g = 0; g < groups.size(); g++) {
                starts[g] = source.length();
                if (groups.get(g) != null) source.append(groups.get(g)).append('\n');
            }
            TSQuery query;
            try {
                query = new TSQuery(language, source.toString());
            } catch (TSQueryException e) {
                throw new IllegalArgumentException("invalid tree-sitter query for " + grammar + ": " + e.getMessage(), e);
            }
            int[] groupOf = new int[query.getPatternCount()];
            for (int p = 0; p < groupOf.length; p++) {
                int at = query.getStartByteForPattern(p), g = 0;
                // queries are ASCII, so byte and char offsets agree; the last group starting at or before the pattern owns it
                for (int i = 0; i < starts.length; i++) if (starts[i] <= at && groups.get(i) != null) g = i;
                groupOf[p] = g;
            }
            String[] names = new String[query.getCaptureCount()];
            for (int c = 0; c < names.length; c++) names[c] = query.getCaptureNameForId(c);
            return new GroupedQuery(query, groupOf, names);
        }
    }

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
            List<Map<String, SyntaxNode>> out = new ArrayList<>();
            for (Match m : queryGroups(List.of(pattern))) out.add(m.captures());
            return out;
        }

        @Override
        public List<Match> queryGroups(List<String> groups) {
            GroupedQuery q = QUERIES.computeIfAbsent(grammar + "\u0000" + String.join("\u0000", groups.stream().map(g -> g == null ? "" : g).toList()),
                    k -> GroupedQuery.compile(language, grammar, groups));
            List<Match> out = new ArrayList<>();
            try (TSQueryCursor cursor = new TSQueryCursor()) {
                cursor.exec(q.query(), tree.getRootNode());
                TSQueryMatch m = new TSQueryMatch();
                while (cursor.nextMatch(m)) {
                    Map<String, SyntaxNode> captures = new LinkedHashMap<>();
                    for (TSQueryCapture c : m.getCaptures()) captures.put(q.captureNames()[c.getIndex()], new Node(c.getNode()));
                    out.add(new Match(q.groupOfPattern()[m.getPatternIndex()], captures));
                }
            }
            return out;
        }

        @Override
        public void close() {
            tree.close();
        }
    }

    /** A node whose position and type are read over JNI once: sorting and walking ask for them again and again. */
    private static final class Node implements SyntaxNode {
        private final TSNode n;
        private String type;
        private int startByte = -1, endByte = -1, startLine = -1, endLine = -1;

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
            if (startByte < 0) startByte = n.getStartByte();
            return startByte;
        }

        @Override
        public int endByte() {
            if (endByte < 0) endByte = n.getEndByte();
            return endByte;
        }

        @Override
        public int startLine() {
            if (startLine < 0) startLine = n.getStartPoint().getRow() + 1;
            return startLine;
        }

        @Override
        public int endLine() {
            if (endLine < 0) {
                var p = n.getEndPoint();
                // a node ending at column 0 ends on the previous line (its last character is the newline)
                endLine = p.getColumn() == 0 && p.getRow() + 1 > startLine() ? p.getRow() : p.getRow() + 1;
            }
            return endLine;
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
