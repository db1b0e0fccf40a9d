package carto.ingest.parse;

import org.treesitter.TSInputEncoding;
import org.treesitter.TSLanguage;
import org.treesitter.TSParser;
import org.treesitter.TSQuery;
import org.treesitter.TSQueryException;
import org.treesitter.TSTree;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * Our one door to tree-sitter: parses UTF-8 bytes with a grammar (through the JNI binding, which
 * also loads the native libraries) and exposes the result as {@link SyntaxTree}, whose queries and
 * nodes call tree-sitter's C API directly ({@link TreeSitterNative}). A parser is not thread-safe;
 * use one per thread, and use a tree on the thread that parsed it.
 */
public final class TreeSitterParser implements AutoCloseable {
    /** Each grammar once, with the names of its node types and fields. */
    private static final Map<String, TreeSitterNative.SymbolNames> GRAMMARS = new ConcurrentHashMap<>();
    private static final Map<String, GroupedQuery> QUERIES = new ConcurrentHashMap<>();

    /**
     * Several queries compiled as one, so a single pass over the tree answers all of them: tree-sitter's
     * cursor cost is mostly the walk, paid once instead of once per query. Each pattern remembers the
     * group (the query text) it came from, found through the pattern's start offset in the joined source.
     */
    private record GroupedQuery(TSQuery query, MemorySegment pointer, int[] groupOfPattern, String[] captureNames) {
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
            for (int p = 0; p < groupOf.length; p++) {
                // tree-sitter leaves predicates to the caller; none of ours has any, and a match must not pass unchecked
                if (query.getPredicateForPattern(p).length > 0) {
                    throw new IllegalArgumentException("tree-sitter query for " + grammar + " uses predicates (#eq?, #match?...), which Carto does not evaluate");
                }
            }
            // the query object stays referenced here: its cleaner would free the native query
            return new GroupedQuery(query, TreeSitterNative.pointer(query), groupOf, names);
        }
    }

    private final TSParser parser = new TSParser();
    private final String grammar;
    private final TSLanguage language;
    private final TreeSitterNative.SymbolNames names;

    public TreeSitterParser(String grammar, Supplier<TSLanguage> factory) {
        this.grammar = grammar;
        this.names = GRAMMARS.computeIfAbsent(grammar, g -> new TreeSitterNative.SymbolNames(factory.get()));
        this.language = names.language();
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
        /** The native memory of this tree's node handles, freed with the tree (so a node used after close fails cleanly). */
        private final Arena arena = Arena.ofConfined();
        private final TreeSitterNative.Slab slab = new TreeSitterNative.Slab(arena);
        private final MemorySegment pointer;
        /** Byte offsets of the newlines, for line numbers (read lazily, once). */
        private int[] newlines;

        Tree(TSTree tree, byte[] source) {
            this.tree = tree;
            this.source = source;
            this.pointer = TreeSitterNative.pointer(tree);
        }

        @Override
        public SyntaxNode root() {
            try {
                return new Node(this, (MemorySegment) TreeSitterNative.TREE_ROOT_NODE.invokeExact((SegmentAllocator) slab, pointer));
            } catch (Throwable e) {
                throw nativeFailure(e);
            }
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
            MemorySegment root = ((Node) root()).segment;
            MemorySegment match = slab.allocate(TreeSitterNative.MATCH);
            try {
                MemorySegment cursor = (MemorySegment) TreeSitterNative.QUERY_CURSOR_NEW.invokeExact();
                try {
                    TreeSitterNative.QUERY_CURSOR_EXEC.invokeExact(cursor, q.pointer(), root);
                    while ((boolean) TreeSitterNative.QUERY_CURSOR_NEXT_MATCH.invokeExact(cursor, match)) {
                        int pattern = Short.toUnsignedInt(match.get(JAVA_SHORT, TreeSitterNative.MATCH_PATTERN));
                        int count = Short.toUnsignedInt(match.get(JAVA_SHORT, TreeSitterNative.MATCH_COUNT));
                        // the captures belong to the cursor until its next match: copy each node out
                        MemorySegment captures = match.get(ADDRESS, TreeSitterNative.MATCH_CAPTURES).reinterpret(count * TreeSitterNative.CAPTURE_SIZE);
                        Map<String, SyntaxNode> byName = new LinkedHashMap<>();
                        for (int c = 0; c < count; c++) {
                            long at = c * TreeSitterNative.CAPTURE_SIZE;
                            MemorySegment node = slab.allocate(TreeSitterNative.NODE);
                            MemorySegment.copy(captures, at, node, 0, TreeSitterNative.NODE_SIZE);
                            byName.put(q.captureNames()[captures.get(JAVA_INT, at + TreeSitterNative.CAPTURE_INDEX)], new Node(this, node));
                        }
                        out.add(new Match(q.groupOfPattern()[pattern], byName));
                    }
                } finally {
                    TreeSitterNative.QUERY_CURSOR_DELETE.invokeExact(cursor);
                }
            } catch (Throwable e) {
                throw nativeFailure(e);
            }
            return out;
        }

        TreeSitterNative.SymbolNames names() {
            return names;
        }

        /** 1-based line of a byte offset: one more than the newlines before it. */
        int line(int offset) {
            if (newlines == null) {
                int n = 0;
                for (byte b : source) if (b == '\n') n++;
                int[] at = new int[n];
                for (int i = 0, k = 0; i < source.length; i++) if (source[i] == '\n') at[k++] = i;
                newlines = at;
            }
            int i = java.util.Arrays.binarySearch(newlines, offset);
            return (i >= 0 ? i : -i - 1) + 1;
        }

        @Override
        public void close() {
            arena.close();
            tree.close();
        }
    }

    private static RuntimeException nativeFailure(Throwable e) {
        if (e instanceof RuntimeException r) return r;
        if (e instanceof Error err) throw err;
        return new IllegalStateException("tree-sitter call failed: " + e, e);
    }

    /**
     * A node: its native handle in the tree's memory, with what sorting and walking ask for again
     * and again (bytes, type) read once. Lines come from the source's newlines, not from native code.
     */
    private static final class Node implements SyntaxNode {
        private final Tree tree;
        private final MemorySegment segment;
        private String type;
        private int startByte = -1, endByte = -1, startLine = -1, endLine = -1;

        Node(Tree tree, MemorySegment segment) {
            this.tree = tree;
            this.segment = segment;
        }

        @Override
        public String type() {
            if (type == null) {
                try {
                    type = tree.names().name(Short.toUnsignedInt((short) TreeSitterNative.NODE_SYMBOL.invokeExact(segment)));
                } catch (Throwable e) {
                    throw nativeFailure(e);
                }
            }
            return type;
        }

        @Override
        public boolean isNamed() {
            try {
                return (boolean) TreeSitterNative.NODE_IS_NAMED.invokeExact(segment);
            } catch (Throwable e) {
                throw nativeFailure(e);
            }
        }

        @Override
        public int startByte() {
            if (startByte < 0) {
                try {
                    startByte = (int) TreeSitterNative.NODE_START_BYTE.invokeExact(segment);
                } catch (Throwable e) {
                    throw nativeFailure(e);
                }
            }
            return startByte;
        }

        @Override
        public int endByte() {
            if (endByte < 0) {
                try {
                    endByte = (int) TreeSitterNative.NODE_END_BYTE.invokeExact(segment);
                } catch (Throwable e) {
                    throw nativeFailure(e);
                }
            }
            return endByte;
        }

        @Override
        public int startLine() {
            if (startLine < 0) startLine = tree.line(startByte());
            return startLine;
        }

        @Override
        public int endLine() {
            if (endLine < 0) {
                int end = endByte();
                // a node ending at column 0 ends on the previous line (its last character is the newline)
                boolean columnZero = end == 0 || tree.source[end - 1] == '\n';
                int last = tree.line(end);
                endLine = columnZero && last > startLine() ? last - 1 : last;
            }
            return endLine;
        }

        @Override
        public int childCount() {
            try {
                return (int) TreeSitterNative.NODE_CHILD_COUNT.invokeExact(segment);
            } catch (Throwable e) {
                throw nativeFailure(e);
            }
        }

        @Override
        public SyntaxNode child(int i) {
            try {
                return new Node(tree, (MemorySegment) TreeSitterNative.NODE_CHILD.invokeExact((SegmentAllocator) tree.slab, segment, i));
            } catch (Throwable e) {
                throw nativeFailure(e);
            }
        }

        @Override
        public SyntaxNode field(String name) {
            short id = tree.names().fieldId(name);
            if (id == 0) return null;
            try {
                MemorySegment c = (MemorySegment) TreeSitterNative.NODE_CHILD_BY_FIELD_ID.invokeExact((SegmentAllocator) tree.slab, segment, id);
                return (boolean) TreeSitterNative.NODE_IS_NULL.invokeExact(c) ? null : new Node(tree, c);
            } catch (Throwable e) {
                throw nativeFailure(e);
            }
        }

        @Override
        public boolean hasError() {
            try {
                return (boolean) TreeSitterNative.NODE_HAS_ERROR.invokeExact(segment);
            } catch (Throwable e) {
                throw nativeFailure(e);
            }
        }

        @Override
        public boolean isError() {
            try {
                return (boolean) TreeSitterNative.NODE_IS_ERROR.invokeExact(segment) || (boolean) TreeSitterNative.NODE_IS_MISSING.invokeExact(segment);
            } catch (Throwable e) {
                throw nativeFailure(e);
            }
        }
    }
}
