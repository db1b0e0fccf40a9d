package carto.ingest.parse;

import org.treesitter.TSLanguage;

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
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * Our one door to tree-sitter: parses UTF-8 bytes with a grammar and exposes the result as
 * {@link SyntaxTree}, all through tree-sitter's C API ({@link TreeSitterNative}, which also says
 * which native build it uses). A parser is not thread-safe; use one per thread, and use a tree on
 * the thread that parsed it.
 */
public final class TreeSitterParser implements AutoCloseable {
    private static final Map<String, GroupedQuery> QUERIES = new ConcurrentHashMap<>();
    /**
     * How deep in a tree a query match may start. A match in progress is checked against every node
     * the cursor visits, and nested calls keep one in progress per level: a generated chain of 50,000
     * calls ({@code a.b().b()...}, 100,000 levels) took minutes to query, and now 0.2 s. Real code is
     * far shallower: the benchmark repositories give the same graphs with a limit of 150. Nodes
     * deeper than this are left out of the AST and the references.
     */
    public static final int MAX_QUERY_DEPTH = 1000;

    /** Which tree-sitter build parses, in words: Carto's optimized one or the binding's. */
    public static String runtime() {
        return TreeSitterNative.RUNTIME;
    }

    /** Whether parsing uses Carto's optimized tree-sitter build rather than the binding's libraries. */
    public static boolean optimizedRuntime() {
        return TreeSitterNative.OPTIMIZED;
    }

    /**
     * Several queries compiled as one, so a single pass over the tree answers all of them: tree-sitter's
     * cursor cost is mostly the walk, paid once instead of once per query. Each pattern remembers the
     * group (the query text) it came from, found through the pattern's start offset in the joined source.
     * Compiled queries are kept for the life of the process, like the grammars they belong to.
     */
    private record GroupedQuery(MemorySegment pointer, int[] groupOfPattern, String[] captureNames) {
        static GroupedQuery compile(Grammar grammar, List<String> groups) {
            StringBuilder source = new StringBuilder();
            int[] starts = new int[groups.size()];
            for (int g = 0; g < groups.size(); g++) {
                starts[g] = source.length();
                if (groups.get(g) != null) source.append(groups.get(g)).append('\n');
            }
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment text = arena.allocateFrom(source.toString());
                MemorySegment errorOffset = arena.allocate(JAVA_INT), errorType = arena.allocate(JAVA_INT);
                MemorySegment query = (MemorySegment) TreeSitterNative.QUERY_NEW.invokeExact(grammar.pointer(), text, (int) text.byteSize() - 1, errorOffset, errorType);
                if (query.equals(MemorySegment.NULL)) {
                    int at = errorOffset.get(JAVA_INT, 0);
                    String near = source.substring(Math.min(at, source.length()), Math.min(source.length(), at + 40));
                    throw new IllegalArgumentException("invalid tree-sitter query for " + grammar.id() + ": " + QUERY_ERRORS[Math.min(errorType.get(JAVA_INT, 0), QUERY_ERRORS.length - 1)]
                            + " at offset " + at + " near '" + near + "'");
                }
                int patterns = (int) TreeSitterNative.QUERY_PATTERN_COUNT.invokeExact(query);
                int[] groupOf = new int[patterns];
                MemorySegment steps = arena.allocate(JAVA_INT);
                for (int p = 0; p < patterns; p++) {
                    // tree-sitter leaves predicates to the caller; none of ours has any, and a match must not pass unchecked
                    MemorySegment ignored = (MemorySegment) TreeSitterNative.QUERY_PREDICATES.invokeExact(query, p, steps);
                    if (steps.get(JAVA_INT, 0) > 0) {
                        TreeSitterNative.QUERY_DELETE.invokeExact(query);
                        throw new IllegalArgumentException("tree-sitter query for " + grammar.id() + " uses predicates (#eq?, #match?...), which Carto does not evaluate");
                    }
                    int at = (int) TreeSitterNative.QUERY_START_BYTE.invokeExact(query, p), g = 0;
                    // queries are ASCII, so byte and char offsets agree; the last group starting at or before the pattern owns it
                    for (int i = 0; i < starts.length; i++) if (starts[i] <= at && groups.get(i) != null) g = i;
                    groupOf[p] = g;
                }
                String[] names = new String[(int) TreeSitterNative.QUERY_CAPTURE_COUNT.invokeExact(query)];
                MemorySegment length = arena.allocate(JAVA_INT);
                for (int c = 0; c < names.length; c++) {
                    MemorySegment name = (MemorySegment) TreeSitterNative.QUERY_CAPTURE_NAME.invokeExact(query, c, length);
                    byte[] bytes = name.reinterpret(length.get(JAVA_INT, 0)).toArray(JAVA_BYTE);
                    names[c] = new String(bytes, java.nio.charset.StandardCharsets.UTF_8);
                }
                return new GroupedQuery(query, groupOf, names);
            } catch (RuntimeException | Error e) {
                throw e;
            } catch (Throwable e) {
                throw new IllegalStateException("compiling a tree-sitter query for " + grammar.id() + " failed: " + e, e);
            }
        }
    }

    /** TSQueryError, by its value. */
    private static final String[] QUERY_ERRORS = {"no error", "syntax error", "unknown node type", "unknown field", "unknown capture",
            "impossible pattern (structure)", "invalid language", "unknown error"};

    private final Grammar grammar;
    private MemorySegment parser;

    /**
     * A parser for the grammar {@code id}: Carto's build provides it as {@code tree_sitter_<symbol>()},
     * the binding's library through {@code bindingFactory}.
     */
    public TreeSitterParser(String id, String symbol, Supplier<TSLanguage> bindingFactory) {
        this.grammar = Grammar.load(id, symbol, bindingFactory);
        try {
            this.parser = (MemorySegment) TreeSitterNative.PARSER_NEW.invokeExact();
            if (!(boolean) TreeSitterNative.PARSER_SET_LANGUAGE.invokeExact(parser, grammar.pointer())) {
                TreeSitterNative.PARSER_DELETE.invokeExact(parser);
                throw new IllegalStateException("tree-sitter grammar '" + id + "' is not compatible with the tree-sitter runtime (" + runtime() + ")");
            }
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable e) {
            throw new IllegalStateException("cannot create a tree-sitter parser for " + id + ": " + e, e);
        }
    }

    /** The grammar (for reading its symbol table). */
    public Grammar grammar() {
        return grammar;
    }

    public SyntaxTree parse(byte[] utf8) {
        if (parser == null) throw new IllegalStateException("this " + grammar.id() + " parser is closed");
        Arena arena = Arena.ofConfined();
        try {
            // the tree keeps no reference to its source: the copy lives in the tree's arena only for convenience
            MemorySegment text = arena.allocate(Math.max(1, utf8.length));
            MemorySegment.copy(utf8, 0, text, JAVA_BYTE, 0, utf8.length);
            MemorySegment tree = (MemorySegment) TreeSitterNative.PARSER_PARSE_STRING.invokeExact(parser, MemorySegment.NULL, text, utf8.length);
            if (tree.equals(MemorySegment.NULL)) throw new IllegalStateException("tree-sitter returned no tree for a " + grammar.id() + " file");
            return new Tree(tree, utf8, arena);
        } catch (RuntimeException | Error e) {
            arena.close();
            throw e;
        } catch (Throwable e) {
            arena.close();
            throw new IllegalStateException("tree-sitter failed to parse a " + grammar.id() + " file: " + e, e);
        }
    }

    @Override
    public void close() {
        if (parser == null) return;
        try {
            TreeSitterNative.PARSER_DELETE.invokeExact(parser);
        } catch (Throwable e) {
            throw nativeFailure(e);
        } finally {
            parser = null;
        }
    }

    private final class Tree implements SyntaxTree {
        private final byte[] source;
        /** The native memory of this tree's node handles, freed with the tree (so a node used after close fails cleanly). */
        private final Arena arena;
        private final TreeSitterNative.Slab slab;
        private MemorySegment pointer;
        /** Byte offsets of the newlines, for line numbers (read lazily, once). */
        private int[] newlines;

        Tree(MemorySegment tree, byte[] source, Arena arena) {
            this.pointer = tree;
            this.source = source;
            this.arena = arena;
            this.slab = new TreeSitterNative.Slab(arena);
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
            GroupedQuery q = QUERIES.computeIfAbsent(grammar.id() + "\u0000" + String.join("\u0000", groups.stream().map(g -> g == null ? "" : g).toList()),
                    k -> GroupedQuery.compile(grammar, groups));
            List<Match> out = new ArrayList<>();
            MemorySegment root = ((Node) root()).segment;
            MemorySegment match = slab.allocate(TreeSitterNative.MATCH);
            try {
                MemorySegment cursor = (MemorySegment) TreeSitterNative.QUERY_CURSOR_NEW.invokeExact();
                try {
                    TreeSitterNative.QUERY_CURSOR_SET_MAX_START_DEPTH.invokeExact(cursor, MAX_QUERY_DEPTH);
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

        Grammar names() {
            return grammar;
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
            if (pointer == null) return;
            try {
                TreeSitterNative.TREE_DELETE.invokeExact(pointer);
            } catch (Throwable e) {
                throw nativeFailure(e);
            } finally {
                pointer = null;
                arena.close();
            }
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
                    type = tree.names().symbolName(Short.toUnsignedInt((short) TreeSitterNative.NODE_SYMBOL.invokeExact(segment)));
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
