package carto.inference.gguf;

/**
 * One metadata entry. Scalars are boxed Java values (unsigned types widened), strings are
 * {@link String}, arrays are primitive arrays or {@code String[]} with {@code elementType} set.
 */
public record GgufKv(String key, GgufValueType type, GgufValueType elementType, Object value) {
    public static GgufKv of(String key, GgufValueType type, Object value) {
        return new GgufKv(key, type, null, value);
    }

    public static GgufKv array(String key, GgufValueType elementType, Object value) {
        return new GgufKv(key, GgufValueType.ARRAY, elementType, value);
    }
}
