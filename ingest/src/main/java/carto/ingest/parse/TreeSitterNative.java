package carto.ingest.parse;

import org.treesitter.TSLanguage;
import org.treesitter.TSParser;
import org.treesitter.TSQuery;
import org.treesitter.TSTree;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.reflect.Method;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BOOLEAN;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * Tree-sitter's C API called directly through the foreign-function API, for what runs once per
 * node: walking query matches and reading a node's bytes, type and children. The JNI binding
 * (which loads the native libraries, parses and compiles queries) looks up its field IDs on every
 * call and allocates a Java object per node; that was a third of an ingest's parse time. The
 * binding's native library exports the C API, and it is associated with our class loader, so the
 * loader's symbol lookup finds it.
 */
final class TreeSitterNative {
    /** {@code TSNode}: {@code uint32_t context[4]; const void *id; const TSTree *tree;} */
    static final StructLayout NODE = MemoryLayout.structLayout(
            MemoryLayout.sequenceLayout(4, JAVA_INT).withName("context"), ADDRESS.withName("id"), ADDRESS.withName("tree"));
    /** {@code TSQueryCapture}: a node and the capture's index, padded to the node's alignment. */
    static final StructLayout CAPTURE = MemoryLayout.structLayout(NODE.withName("node"), JAVA_INT.withName("index"), MemoryLayout.paddingLayout(4));
    /** {@code TSQueryMatch}: {@code uint32_t id; uint16_t pattern_index; uint16_t capture_count; const TSQueryCapture *captures;} */
    static final StructLayout MATCH = MemoryLayout.structLayout(
            JAVA_INT.withName("id"), JAVA_SHORT.withName("pattern_index"), JAVA_SHORT.withName("capture_count"), ADDRESS.withName("captures"));
    static final long NODE_SIZE = NODE.byteSize(), CAPTURE_SIZE = CAPTURE.byteSize();
    static final long CAPTURE_INDEX = CAPTURE.byteOffset(MemoryLayout.PathElement.groupElement("index"));
    static final long MATCH_PATTERN = MATCH.byteOffset(MemoryLayout.PathElement.groupElement("pattern_index"));
    static final long MATCH_COUNT = MATCH.byteOffset(MemoryLayout.PathElement.groupElement("capture_count"));
    static final long MATCH_CAPTURES = MATCH.byteOffset(MemoryLayout.PathElement.groupElement("captures"));

    static final MethodHandle TREE_ROOT_NODE, QUERY_CURSOR_NEW, QUERY_CURSOR_DELETE, QUERY_CURSOR_EXEC, QUERY_CURSOR_NEXT_MATCH,
            NODE_START_BYTE, NODE_END_BYTE, NODE_SYMBOL, NODE_IS_NAMED, NODE_IS_NULL, NODE_IS_ERROR, NODE_IS_MISSING, NODE_HAS_ERROR,
            NODE_CHILD_COUNT, NODE_CHILD, NODE_CHILD_BY_FIELD_ID;
    private static final MethodHandle TREE_PTR, QUERY_PTR;

    static {
        try {
            // loads the runtime's native library (its static initializer), which our lookup then finds
            MethodHandles.lookup().ensureInitialized(TSParser.class);
            SymbolLookup lib = SymbolLookup.loaderLookup();
            Linker linker = Linker.nativeLinker();
            // short, non-blocking functions that never call back into Java: skip the thread-state transition
            Linker.Option critical = Linker.Option.critical(false);
            TREE_ROOT_NODE = handle(linker, lib, "ts_tree_root_node", FunctionDescriptor.of(NODE, ADDRESS), critical);
            QUERY_CURSOR_NEW = handle(linker, lib, "ts_query_cursor_new", FunctionDescriptor.of(ADDRESS));
            QUERY_CURSOR_DELETE = handle(linker, lib, "ts_query_cursor_delete", FunctionDescriptor.ofVoid(ADDRESS));
            QUERY_CURSOR_EXEC = handle(linker, lib, "ts_query_cursor_exec", FunctionDescriptor.ofVoid(ADDRESS, ADDRESS, NODE));
            // runs until the next match, which can be far into a large tree: an ordinary call, so GC can proceed meanwhile
            QUERY_CURSOR_NEXT_MATCH = handle(linker, lib, "ts_query_cursor_next_match", FunctionDescriptor.of(JAVA_BOOLEAN, ADDRESS, ADDRESS));
            NODE_START_BYTE = handle(linker, lib, "ts_node_start_byte", FunctionDescriptor.of(JAVA_INT, NODE), critical);
            NODE_END_BYTE = handle(linker, lib, "ts_node_end_byte", FunctionDescriptor.of(JAVA_INT, NODE), critical);
            NODE_SYMBOL = handle(linker, lib, "ts_node_symbol", FunctionDescriptor.of(JAVA_SHORT, NODE), critical);
            NODE_IS_NAMED = handle(linker, lib, "ts_node_is_named", FunctionDescriptor.of(JAVA_BOOLEAN, NODE), critical);
            NODE_IS_NULL = handle(linker, lib, "ts_node_is_null", FunctionDescriptor.of(JAVA_BOOLEAN, NODE), critical);
            NODE_IS_ERROR = handle(linker, lib, "ts_node_is_error", FunctionDescriptor.of(JAVA_BOOLEAN, NODE), critical);
            NODE_IS_MISSING = handle(linker, lib, "ts_node_is_missing", FunctionDescriptor.of(JAVA_BOOLEAN, NODE), critical);
            NODE_HAS_ERROR = handle(linker, lib, "ts_node_has_error", FunctionDescriptor.of(JAVA_BOOLEAN, NODE), critical);
            NODE_CHILD_COUNT = handle(linker, lib, "ts_node_child_count", FunctionDescriptor.of(JAVA_INT, NODE), critical);
            NODE_CHILD = handle(linker, lib, "ts_node_child", FunctionDescriptor.of(NODE, NODE, JAVA_INT), critical);
            NODE_CHILD_BY_FIELD_ID = handle(linker, lib, "ts_node_child_by_field_id", FunctionDescriptor.of(NODE, NODE, JAVA_SHORT), critical);
            TREE_PTR = pointerGetter(TSTree.class);
            QUERY_PTR = pointerGetter(TSQuery.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private TreeSitterNative() {}

    private static MethodHandle handle(Linker linker, SymbolLookup lib, String name, FunctionDescriptor d, Linker.Option... options) {
        MemorySegment address = lib.find(name).orElseThrow(() -> new IllegalStateException(
                "the tree-sitter native library does not export " + name + "; Carto needs io.github.bonede:tree-sitter 0.26 or newer"));
        return linker.downcallHandle(address, d, options);
    }

    /** The binding keeps each native pointer in a non-public {@code getPtr()}: read it once per tree or query. */
    private static MethodHandle pointerGetter(Class<?> type) throws ReflectiveOperationException {
        Method m = type.getDeclaredMethod("getPtr");
        m.setAccessible(true);
        return MethodHandles.lookup().unreflect(m);
    }

    static MemorySegment pointer(TSTree tree) {
        return address(TREE_PTR, tree);
    }

    static MemorySegment pointer(TSQuery query) {
        return address(QUERY_PTR, query);
    }

    private static MemorySegment address(MethodHandle getter, Object o) {
        try {
            return MemorySegment.ofAddress((long) getter.invoke(o));
        } catch (Throwable e) {
            throw new IllegalStateException("cannot read the native pointer of a " + o.getClass().getSimpleName(), e);
        }
    }

    /** A grammar, with the names of its symbols (node types) read once each; ERROR and other built-ins lie past the table. */
    static final class SymbolNames {
        private final TSLanguage language;
        private final String[] names;
        private final java.util.Map<String, Short> fieldIds = new java.util.concurrent.ConcurrentHashMap<>();

        SymbolNames(TSLanguage language) {
            this.language = language;
            this.names = new String[language.symbolCount()];
        }

        TSLanguage language() {
            return language;
        }

        String name(int symbol) {
            if (symbol >= names.length) return language.symbolName(symbol);
            String n = names[symbol];
            // a race only computes the same immutable string twice
            if (n == null) names[symbol] = n = language.symbolName(symbol);
            return n;
        }

        /** The grammar's id for a field name, 0 when the grammar has no such field. */
        short fieldId(String field) {
            return fieldIds.computeIfAbsent(field, f -> (short) language.fieldIdForName(f));
        }
    }

    /**
     * Hands out 32-byte node slots from native blocks of one tree's arena, so reading thousands of
     * nodes costs a few allocations; what it hands out lives until the tree is closed.
     */
    static final class Slab implements SegmentAllocator {
        private static final long BLOCK = 16 * 1024;
        private final java.lang.foreign.Arena arena;
        private MemorySegment block = MemorySegment.NULL;
        private long used;

        Slab(java.lang.foreign.Arena arena) {
            this.arena = arena;
        }

        @Override
        public MemorySegment allocate(long size, long alignment) {
            long at = (used + alignment - 1) & -alignment;
            if (at + size > block.byteSize()) {
                block = arena.allocate(Math.max(BLOCK, size), Math.max(alignment, 8));
                at = 0;
            }
            used = at + size;
            return block.asSlice(at, size);
        }
    }
}
