package carto.ingest.parse;

import org.treesitter.TSParser;

import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.net.JarURLConnection;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Locale;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BOOLEAN;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * Tree-sitter's C API, called through the foreign-function API: parsing, queries, nodes and grammar
 * metadata. The functions come from one of two native libraries, chosen once per process:
 * <ul>
 * <li>Carto's own build ({@code ingest/native/build.sh}, packaged as a resource): tree-sitter and
 * the grammars from the same sources as the bonede jars, compiled with {@code -O2}. It parses
 * about three times faster than the bonede libraries, which are unoptimized builds.</li>
 * <li>The io.github.bonede JNI binding's libraries, when that build is absent (no C compiler where
 * Carto was built, an unsupported platform) or {@code -Dcarto.treesitter=bonede} asks for them.
 * Their runtime library exports the C API, associated with our class loader, so the loader's
 * symbol lookup finds it; each grammar's pointer comes from the binding's language object.</li>
 * </ul>
 * Both give the same trees (the tests compare them node by node). The handles are static finals, so
 * the JIT binds each call site to its native function: this runs once per node.
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

    /** Where Carto's optimized build lies among the resources. */
    static final String RESOURCE_DIR = "/carto-native/";
    /** System property: {@code bonede} parses with the binding's libraries even where Carto's own build exists. */
    static final String RUNTIME_PROPERTY = "carto.treesitter";

    /** Which library the functions come from, in words (for benchmarks and {@code --verbose}). */
    static final String RUNTIME;
    /** Whether that is Carto's optimized build (grammars come from {@code tree_sitter_<name>()}), not the binding's. */
    static final boolean OPTIMIZED;
    private static final SymbolLookup LIBRARY;

    static final MethodHandle PARSER_NEW, PARSER_DELETE, PARSER_SET_LANGUAGE, PARSER_PARSE_STRING, TREE_DELETE,
            QUERY_NEW, QUERY_DELETE, QUERY_PATTERN_COUNT, QUERY_CAPTURE_COUNT, QUERY_CAPTURE_NAME, QUERY_START_BYTE, QUERY_PREDICATES,
            LANGUAGE_SYMBOL_COUNT, LANGUAGE_SYMBOL_NAME, LANGUAGE_SYMBOL_TYPE, LANGUAGE_FIELD_ID,
            TREE_ROOT_NODE, QUERY_CURSOR_NEW, QUERY_CURSOR_DELETE, QUERY_CURSOR_EXEC, QUERY_CURSOR_NEXT_MATCH,
            QUERY_CURSOR_SET_MAX_START_DEPTH, NODE_START_BYTE, NODE_END_BYTE, NODE_SYMBOL, NODE_IS_NAMED, NODE_IS_NULL, NODE_IS_ERROR, NODE_IS_MISSING, NODE_HAS_ERROR,
            NODE_CHILD_COUNT, NODE_CHILD, NODE_CHILD_BY_FIELD_ID;

    static {
        Path optimized = null;
        String why;
        if ("bonede".equalsIgnoreCase(System.getProperty(RUNTIME_PROPERTY, ""))) {
            why = "-D" + RUNTIME_PROPERTY + "=bonede";
        } else {
            try {
                optimized = optimizedLibrary();
                why = optimized == null ? "Carto's optimized tree-sitter build is not among the resources (built where no C compiler was found)" : null;
            } catch (IOException | RuntimeException e) {
                why = "Carto's optimized tree-sitter build could not be unpacked: " + e.getMessage();
            }
        }
        Handles h = null;
        SymbolLookup lib = null;
        if (optimized != null) {
            try {
                lib = SymbolLookup.libraryLookup(optimized, Arena.global());
                h = new Handles(lib);
            } catch (RuntimeException e) {
                why = "Carto's optimized tree-sitter build " + optimized + " could not be used: " + e.getMessage();
            }
        }
        if (h != null) {
            RUNTIME = "carto tree-sitter build (-O2): " + optimized;
            OPTIMIZED = true;
        } else {
            // loads the binding's runtime library (its static initializer), which the loader's lookup then finds
            try {
                MethodHandles.lookup().ensureInitialized(TSParser.class);
            } catch (IllegalAccessException e) {
                throw new ExceptionInInitializerError(e);
            }
            lib = SymbolLookup.loaderLookup();
            h = new Handles(lib);
            RUNTIME = "io.github.bonede tree-sitter libraries (unoptimized; " + why + ")";
            OPTIMIZED = false;
            System.getLogger(TreeSitterNative.class.getName()).log(System.Logger.Level.DEBUG, "parsing with the " + RUNTIME);
        }
        LIBRARY = lib;
        PARSER_NEW = h.parserNew;
        PARSER_DELETE = h.parserDelete;
        PARSER_SET_LANGUAGE = h.parserSetLanguage;
        PARSER_PARSE_STRING = h.parserParseString;
        TREE_DELETE = h.treeDelete;
        QUERY_NEW = h.queryNew;
        QUERY_DELETE = h.queryDelete;
        QUERY_PATTERN_COUNT = h.queryPatternCount;
        QUERY_CAPTURE_COUNT = h.queryCaptureCount;
        QUERY_CAPTURE_NAME = h.queryCaptureName;
        QUERY_START_BYTE = h.queryStartByte;
        QUERY_PREDICATES = h.queryPredicates;
        LANGUAGE_SYMBOL_COUNT = h.languageSymbolCount;
        LANGUAGE_SYMBOL_NAME = h.languageSymbolName;
        LANGUAGE_SYMBOL_TYPE = h.languageSymbolType;
        LANGUAGE_FIELD_ID = h.languageFieldId;
        TREE_ROOT_NODE = h.treeRootNode;
        QUERY_CURSOR_NEW = h.queryCursorNew;
        QUERY_CURSOR_DELETE = h.queryCursorDelete;
        QUERY_CURSOR_EXEC = h.queryCursorExec;
        QUERY_CURSOR_NEXT_MATCH = h.queryCursorNextMatch;
        QUERY_CURSOR_SET_MAX_START_DEPTH = h.queryCursorSetMaxStartDepth;
        NODE_START_BYTE = h.nodeStartByte;
        NODE_END_BYTE = h.nodeEndByte;
        NODE_SYMBOL = h.nodeSymbol;
        NODE_IS_NAMED = h.nodeIsNamed;
        NODE_IS_NULL = h.nodeIsNull;
        NODE_IS_ERROR = h.nodeIsError;
        NODE_IS_MISSING = h.nodeIsMissing;
        NODE_HAS_ERROR = h.nodeHasError;
        NODE_CHILD_COUNT = h.nodeChildCount;
        NODE_CHILD = h.nodeChild;
        NODE_CHILD_BY_FIELD_ID = h.nodeChildByFieldId;
    }

    /**
     * Every function Carto calls, bound in one library: made whole or not at all, so a library
     * that lacks one (an old build) is passed over for the binding's before anything is parsed.
     */
    private static final class Handles {
        final MethodHandle parserNew, parserDelete, parserSetLanguage, parserParseString, treeDelete,
                queryNew, queryDelete, queryPatternCount, queryCaptureCount, queryCaptureName, queryStartByte, queryPredicates,
                languageSymbolCount, languageSymbolName, languageSymbolType, languageFieldId,
                treeRootNode, queryCursorNew, queryCursorDelete, queryCursorExec, queryCursorNextMatch,
                queryCursorSetMaxStartDepth, nodeStartByte, nodeEndByte, nodeSymbol, nodeIsNamed, nodeIsNull, nodeIsError, nodeIsMissing, nodeHasError,
                nodeChildCount, nodeChild, nodeChildByFieldId;

        Handles(SymbolLookup lib) {
            Linker linker = Linker.nativeLinker();
            // short, non-blocking functions that never call back into Java: skip the thread-state transition
            Linker.Option critical = Linker.Option.critical(false);
            parserNew = handle(linker, lib, "ts_parser_new", FunctionDescriptor.of(ADDRESS));
            parserDelete = handle(linker, lib, "ts_parser_delete", FunctionDescriptor.ofVoid(ADDRESS));
            parserSetLanguage = handle(linker, lib, "ts_parser_set_language", FunctionDescriptor.of(JAVA_BOOLEAN, ADDRESS, ADDRESS));
            // a parse takes milliseconds: an ordinary call, so GC can proceed meanwhile
            parserParseString = handle(linker, lib, "ts_parser_parse_string", FunctionDescriptor.of(ADDRESS, ADDRESS, ADDRESS, ADDRESS, JAVA_INT));
            treeDelete = handle(linker, lib, "ts_tree_delete", FunctionDescriptor.ofVoid(ADDRESS));
            queryNew = handle(linker, lib, "ts_query_new", FunctionDescriptor.of(ADDRESS, ADDRESS, ADDRESS, JAVA_INT, ADDRESS, ADDRESS));
            queryDelete = handle(linker, lib, "ts_query_delete", FunctionDescriptor.ofVoid(ADDRESS));
            queryPatternCount = handle(linker, lib, "ts_query_pattern_count", FunctionDescriptor.of(JAVA_INT, ADDRESS));
            queryCaptureCount = handle(linker, lib, "ts_query_capture_count", FunctionDescriptor.of(JAVA_INT, ADDRESS));
            queryCaptureName = handle(linker, lib, "ts_query_capture_name_for_id", FunctionDescriptor.of(ADDRESS, ADDRESS, JAVA_INT, ADDRESS));
            queryStartByte = handle(linker, lib, "ts_query_start_byte_for_pattern", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
            queryPredicates = handle(linker, lib, "ts_query_predicates_for_pattern", FunctionDescriptor.of(ADDRESS, ADDRESS, JAVA_INT, ADDRESS));
            languageSymbolCount = handle(linker, lib, "ts_language_symbol_count", FunctionDescriptor.of(JAVA_INT, ADDRESS), critical);
            languageSymbolName = handle(linker, lib, "ts_language_symbol_name", FunctionDescriptor.of(ADDRESS, ADDRESS, JAVA_SHORT), critical);
            languageSymbolType = handle(linker, lib, "ts_language_symbol_type", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_SHORT), critical);
            languageFieldId = handle(linker, lib, "ts_language_field_id_for_name", FunctionDescriptor.of(JAVA_SHORT, ADDRESS, ADDRESS, JAVA_INT), critical);
            treeRootNode = handle(linker, lib, "ts_tree_root_node", FunctionDescriptor.of(NODE, ADDRESS), critical);
            queryCursorNew = handle(linker, lib, "ts_query_cursor_new", FunctionDescriptor.of(ADDRESS));
            queryCursorDelete = handle(linker, lib, "ts_query_cursor_delete", FunctionDescriptor.ofVoid(ADDRESS));
            queryCursorExec = handle(linker, lib, "ts_query_cursor_exec", FunctionDescriptor.ofVoid(ADDRESS, ADDRESS, NODE));
            // runs until the next match, which can be far into a large tree: an ordinary call
            queryCursorNextMatch = handle(linker, lib, "ts_query_cursor_next_match", FunctionDescriptor.of(JAVA_BOOLEAN, ADDRESS, ADDRESS));
            queryCursorSetMaxStartDepth = handle(linker, lib, "ts_query_cursor_set_max_start_depth", FunctionDescriptor.ofVoid(ADDRESS, JAVA_INT), critical);
            nodeStartByte = handle(linker, lib, "ts_node_start_byte", FunctionDescriptor.of(JAVA_INT, NODE), critical);
            nodeEndByte = handle(linker, lib, "ts_node_end_byte", FunctionDescriptor.of(JAVA_INT, NODE), critical);
            nodeSymbol = handle(linker, lib, "ts_node_symbol", FunctionDescriptor.of(JAVA_SHORT, NODE), critical);
            nodeIsNamed = handle(linker, lib, "ts_node_is_named", FunctionDescriptor.of(JAVA_BOOLEAN, NODE), critical);
            nodeIsNull = handle(linker, lib, "ts_node_is_null", FunctionDescriptor.of(JAVA_BOOLEAN, NODE), critical);
            nodeIsError = handle(linker, lib, "ts_node_is_error", FunctionDescriptor.of(JAVA_BOOLEAN, NODE), critical);
            nodeIsMissing = handle(linker, lib, "ts_node_is_missing", FunctionDescriptor.of(JAVA_BOOLEAN, NODE), critical);
            nodeHasError = handle(linker, lib, "ts_node_has_error", FunctionDescriptor.of(JAVA_BOOLEAN, NODE), critical);
            nodeChildCount = handle(linker, lib, "ts_node_child_count", FunctionDescriptor.of(JAVA_INT, NODE), critical);
            nodeChild = handle(linker, lib, "ts_node_child", FunctionDescriptor.of(NODE, NODE, JAVA_INT), critical);
            nodeChildByFieldId = handle(linker, lib, "ts_node_child_by_field_id", FunctionDescriptor.of(NODE, NODE, JAVA_SHORT), critical);
        }
    }

    private TreeSitterNative() {}

    private static MethodHandle handle(Linker linker, SymbolLookup lib, String name, FunctionDescriptor d, Linker.Option... options) {
        MemorySegment address = lib.find(name).orElseThrow(() -> new IllegalStateException(
                "the tree-sitter native library does not export " + name + "; Carto needs tree-sitter 0.25 or newer"));
        return linker.downcallHandle(address, d, options);
    }

    /**
     * A grammar's {@code const TSLanguage *} in Carto's optimized build: what its {@code tree_sitter_<name>()}
     * returns. Empty when the runtime is the binding's, whose grammars come from their language objects.
     */
    static java.util.Optional<MemorySegment> builtInGrammar(String symbol) {
        if (!OPTIMIZED) return java.util.Optional.empty();
        MemorySegment f = LIBRARY.find("tree_sitter_" + symbol).orElseThrow(() -> new IllegalStateException(
                "Carto's tree-sitter build has no grammar tree_sitter_" + symbol + "; rebuild it (ingest/native/build.sh)"));
        try {
            MemorySegment language = (MemorySegment) Linker.nativeLinker().downcallHandle(f, FunctionDescriptor.of(ADDRESS)).invokeExact();
            return java.util.Optional.of(language);
        } catch (Throwable e) {
            throw new IllegalStateException("tree_sitter_" + symbol + "() failed: " + e, e);
        }
    }

    /**
     * The library file of Carto's build for this platform, or null when there is none. On the
     * classpath as a directory it is used in place; inside a jar it is copied once to the temporary
     * directory, under a name made of the entry's CRC and size, so processes share the copy and a
     * different build never reuses a stale one.
     */
    private static Path optimizedLibrary() throws IOException {
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
        String platform = (os.contains("linux") ? "linux" : os.contains("mac") ? "macos" : "unknown") + "-"
                + (arch.equals("amd64") || arch.equals("x86_64") ? "x86_64" : arch.equals("aarch64") || arch.equals("arm64") ? "aarch64" : arch);
        String ext = os.contains("mac") ? ".dylib" : ".so";
        URL url = TreeSitterNative.class.getResource(RESOURCE_DIR + platform + "/libcarto-treesitter" + ext);
        if (url == null) return null;
        return unpacked(url, Path.of(System.getProperty("java.io.tmpdir"), "carto-native-" + System.getProperty("user.name", "user")));
    }

    /**
     * The file of a library resource: itself when it is a file on the classpath, else (inside a jar)
     * a copy in {@code dir} named by the entry's CRC and size and made once, so processes share it
     * and another build never picks up a stale copy. The copy is written aside and moved into place.
     */
    static Path unpacked(URL url, Path dir) throws IOException {
        if (url.getProtocol().equals("file")) {
            try {
                return Path.of(url.toURI());
            } catch (URISyntaxException e) {
                throw new IOException(e);
            }
        }
        var connection = url.openConnection();
        long size, crc;
        if (connection instanceof JarURLConnection jar) {
            var entry = jar.getJarEntry();
            size = entry.getSize();
            crc = entry.getCrc();
        } else {
            size = connection.getContentLengthLong();
            crc = connection.getLastModified();
        }
        String name = url.getPath().substring(url.getPath().lastIndexOf('/') + 1);
        int dot = name.lastIndexOf('.');
        String stem = name.substring(0, dot), ext = name.substring(dot);
        Path file = dir.resolve(stem + "-" + Long.toHexString(crc) + "-" + size + ext);
        privateDirectory(dir);
        if (Files.isRegularFile(file) && Files.size(file) == size) {
            markUsed(file);
        } else {
            Path part = Files.createTempFile(dir, name, ".part");
            try (InputStream in = connection.getInputStream()) {
                Files.copy(in, part, StandardCopyOption.REPLACE_EXISTING);
                Files.move(part, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } finally {
                Files.deleteIfExists(part);
            }
        }
        removeStale(dir, stem, ext, file);
        return file;
    }

    /**
     * A copy (another build's) no process has started with for this many days is deleted. A
     * constant: the class's static initializer unpacks the library before other static fields are set.
     */
    static final int STALE_AFTER_DAYS = 7;

    /** The copy's modification time says when a process last started with it. */
    private static void markUsed(Path file) {
        try {
            Files.setLastModifiedTime(file, java.nio.file.attribute.FileTime.from(java.time.Instant.now()));
        } catch (IOException e) {
            // a read-only copy still loads; it may only be cleaned up sooner
        }
    }

    /**
     * Deletes other builds' copies of the library, and copies left half-written, that no process
     * started with for {@link #STALE_AFTER_DAYS}: each build leaves one (24 MB on Linux). A process still
     * running with one keeps it mapped; one of that build started later unpacks it again.
     */
    private static void removeStale(Path dir, String stem, String ext, Path keep) {
        java.time.Instant before = java.time.Instant.now().minus(java.time.Duration.ofDays(STALE_AFTER_DAYS));
        try (var entries = Files.newDirectoryStream(dir, stem + "*")) {
            for (Path p : entries) {
                String n = p.getFileName().toString();
                if (p.equals(keep) || !(n.startsWith(stem + "-") && n.endsWith(ext) || n.endsWith(".part"))) continue;
                try {
                    if (Files.getLastModifiedTime(p, java.nio.file.LinkOption.NOFOLLOW_LINKS).toInstant().isBefore(before)) Files.deleteIfExists(p);
                } catch (IOException e) {
                    // in use elsewhere or gone meanwhile: left for another time
                }
            }
        } catch (IOException | java.nio.file.DirectoryIteratorException e) {
            // cleaning up is a courtesy; the library is in place either way
        }
    }

    /**
     * Makes {@code dir} readable and writable by its owner only, or checks that it is: a library
     * someone else could have put there is never loaded (the folder's name is predictable).
     */
    static void privateDirectory(Path dir) throws IOException {
        boolean posix = dir.getFileSystem().supportedFileAttributeViews().contains("posix");
        if (!Files.isDirectory(dir)) {
            if (dir.getParent() != null) Files.createDirectories(dir.getParent());
            try {
                if (posix) Files.createDirectory(dir, java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
                        java.nio.file.attribute.PosixFilePermissions.fromString("rwx------")));
                else Files.createDirectory(dir);
            } catch (java.nio.file.FileAlreadyExistsException raced) {
                // made by another process meanwhile: checked below like any existing folder
            }
        }
        if (!posix) return;
        var owner = Files.getOwner(dir, java.nio.file.LinkOption.NOFOLLOW_LINKS);
        var me = dir.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName(System.getProperty("user.name"));
        var perms = Files.getPosixFilePermissions(dir, java.nio.file.LinkOption.NOFOLLOW_LINKS);
        if (Files.isSymbolicLink(dir) || !owner.equals(me) || perms.contains(java.nio.file.attribute.PosixFilePermission.GROUP_WRITE)
                || perms.contains(java.nio.file.attribute.PosixFilePermission.OTHERS_WRITE)) {
            throw new IOException(dir + " is not a folder only you can write to (owner " + owner.getName() + ", " +
                    java.nio.file.attribute.PosixFilePermissions.toString(perms) + "); remove it and run again");
        }
    }

    /**
     * Hands out 32-byte node slots from native blocks of one tree's arena, so reading thousands of
     * nodes costs a few allocations; what it hands out lives until the tree is closed.
     */
    static final class Slab implements SegmentAllocator {
        private static final long BLOCK = 16 * 1024;
        private final Arena arena;
        private MemorySegment block = MemorySegment.NULL;
        private long used;

        Slab(Arena arena) {
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
