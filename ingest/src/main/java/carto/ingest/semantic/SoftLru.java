package carto.ingest.semantic;

import java.lang.ref.SoftReference;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * What a long-running process keeps per repository between ingests: at most a few entries, the
 * least recently used dropped first, each softly referenced so memory pressure drops it too.
 * Thread-safe.
 */
public final class SoftLru<K, V> {
    private final Map<K, SoftReference<V>> entries;

    public SoftLru(int max) {
        entries = new LinkedHashMap<>(4, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<K, SoftReference<V>> eldest) {
                return size() > max;
            }
        };
    }

    /** The value kept for {@code key}, or null (never kept, dropped, or collected). */
    public synchronized V get(K key) {
        SoftReference<V> ref = entries.get(key);
        return ref == null ? null : ref.get();
    }

    /** The value kept for {@code key}, or a new one from {@code make}, kept from now on. */
    public synchronized V computeIfAbsent(K key, Supplier<V> make) {
        V v = get(key);
        if (v == null) {
            v = make.get();
            put(key, v);
        }
        return v;
    }

    /** Takes the value kept for {@code key} out (for exclusive use until it is put back), or null. */
    public synchronized V remove(K key) {
        SoftReference<V> ref = entries.remove(key);
        return ref == null ? null : ref.get();
    }

    public synchronized void put(K key, V value) {
        entries.put(key, new SoftReference<>(value));
    }

    public synchronized void clear() {
        entries.clear();
    }

    /** The keys and values still held. */
    public synchronized List<Map.Entry<K, V>> entries() {
        List<Map.Entry<K, V>> out = new ArrayList<>();
        entries.forEach((k, ref) -> {
            V v = ref.get();
            if (v != null) out.add(Map.entry(k, v));
        });
        return out;
    }
}
