package carto.ingest.parse;

import org.treesitter.TSLanguage;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.reflect.Method;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * A tree-sitter grammar of the runtime in use ({@link TreeSitterNative}): its native language
 * pointer, and the names of its node types and fields, each read once.
 */
public final class Grammar {
    private static final Map<String, Grammar> LOADED = new ConcurrentHashMap<>();
    /** TSSymbolTypeRegular: a named node type of the grammar (not anonymous, not auxiliary, not a supertype). */
    private static final int REGULAR = 0;

    private final String id;
    private final MemorySegment pointer;
    /** The binding's language object, kept so that its cleaner leaves the grammar alone while we use it. */
    @SuppressWarnings({"unused", "FieldCanBeLocal"})
    private final TSLanguage binding;
    private final String[] names;
    private final int[] types;
    private final Map<String, Short> fieldIds = new ConcurrentHashMap<>();

    private Grammar(String id, MemorySegment pointer, TSLanguage binding) {
        this.id = id;
        this.pointer = pointer;
        this.binding = binding;
        try {
            int count = (int) TreeSitterNative.LANGUAGE_SYMBOL_COUNT.invokeExact(pointer);
            this.names = new String[count];
            this.types = new int[count];
            for (int i = 0; i < count; i++) {
                MemorySegment name = (MemorySegment) TreeSitterNative.LANGUAGE_SYMBOL_NAME.invokeExact(pointer, (short) i);
                names[i] = name.equals(MemorySegment.NULL) ? null : name.reinterpret(Integer.MAX_VALUE).getString(0);
                types[i] = (int) TreeSitterNative.LANGUAGE_SYMBOL_TYPE.invokeExact(pointer, (short) i);
            }
        } catch (Throwable e) {
            throw new IllegalStateException("cannot read the symbol table of the tree-sitter grammar " + id + ": " + e, e);
        }
    }

    /**
     * The grammar {@code id}, whose {@code tree_sitter_<symbol>()} Carto's build exports and which the
     * binding's {@code bindingFactory} makes when the runtime is the binding's.
     */
    static Grammar load(String id, String symbol, Supplier<TSLanguage> bindingFactory) {
        return LOADED.computeIfAbsent(id, k -> {
            var builtIn = TreeSitterNative.builtInGrammar(symbol);
            if (builtIn.isPresent()) return new Grammar(id, builtIn.get(), null);
            TSLanguage language = bindingFactory.get();
            return new Grammar(id, bindingPointer(language), language);
        });
    }

    /** The binding keeps the native pointer in a non-public {@code getPtr()}. */
    private static MemorySegment bindingPointer(TSLanguage language) {
        try {
            Method m = TSLanguage.class.getDeclaredMethod("getPtr");
            m.setAccessible(true);
            MethodHandle getter = MethodHandles.lookup().unreflect(m);
            return MemorySegment.ofAddress((long) getter.invoke(language));
        } catch (Throwable e) {
            throw new IllegalStateException("cannot read the native pointer of the tree-sitter language " + language.getClass().getSimpleName(), e);
        }
    }

    public String id() {
        return id;
    }

    MemorySegment pointer() {
        return pointer;
    }

    public int symbolCount() {
        return names.length;
    }

    /** The name of a node type; ERROR and the other built-ins lie past the table. */
    public String symbolName(int symbol) {
        if (symbol >= 0 && symbol < names.length) return names[symbol];
        if (symbol == 0xFFFF) return "ERROR";
        try {
            MemorySegment name = (MemorySegment) TreeSitterNative.LANGUAGE_SYMBOL_NAME.invokeExact(pointer, (short) symbol);
            return name.equals(MemorySegment.NULL) ? null : name.reinterpret(Integer.MAX_VALUE).getString(0);
        } catch (Throwable e) {
            throw new IllegalStateException("cannot read symbol " + symbol + " of the tree-sitter grammar " + id + ": " + e, e);
        }
    }

    /** Whether a symbol is a named node type of the grammar (not anonymous, auxiliary or a supertype). */
    public boolean isRegular(int symbol) {
        return types[symbol] == REGULAR;
    }

    /** The grammar's id for a field name, 0 when the grammar has no such field. */
    public short fieldId(String field) {
        return fieldIds.computeIfAbsent(field, f -> {
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment name = arena.allocateFrom(f);
                return (short) TreeSitterNative.LANGUAGE_FIELD_ID.invokeExact(pointer, name, (int) name.byteSize() - 1);
            } catch (Throwable e) {
                throw new IllegalStateException("cannot look up field " + f + " of the tree-sitter grammar " + id + ": " + e, e);
            }
        });
    }

    @Override
    public String toString() {
        return "tree-sitter grammar " + id;
    }
}
