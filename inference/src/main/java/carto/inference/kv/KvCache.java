package carto.inference.kv;

import carto.inference.model.ModelConfig;

/**
 * Keys and values of every layer for positions [0, capacity), in float32, laid out
 * position-major ({@code [pos][kvHead][headDim]}) so a span of positions is one contiguous
 * block: prefix reuse, shifting and re-rotating (PIE) are array copies and in-place rotations.
 */
public final class KvCache {
    final float[][] keys;
    final float[][] values;
    final int kvDim;
    final int capacity;
    private int length;

    public KvCache(ModelConfig c, int capacity) {
        this.kvDim = c.kvDim();
        this.capacity = capacity;
        this.keys = new float[c.layers()][];
        this.values = new float[c.layers()][];
        for (int l = 0; l < c.layers(); l++) {
            keys[l] = new float[Math.multiplyExact(capacity, kvDim)];
            values[l] = new float[capacity * kvDim];
        }
    }

    /** Bytes a cache of this many positions takes. */
    public static long bytesFor(ModelConfig c, int positions) {
        return 2L * c.layers() * positions * c.kvDim() * Float.BYTES;
    }

    public int capacity() { return capacity; }

    /** Number of valid positions. */
    public int length() { return length; }

    public void setLength(int n) {
        if (n < 0 || n > capacity) throw new IllegalArgumentException("cache length " + n + " outside [0, " + capacity + "]");
        length = n;
    }

    public int layers() { return keys.length; }

    public int kvDim() { return kvDim; }

    /** Key vector of one position in one layer (a view into the backing array at {@link #offset}). */
    public float[] keys(int layer) { return keys[layer]; }

    public float[] values(int layer) { return values[layer]; }

    public int offset(int pos) { return pos * kvDim; }

    /** Moves positions [from, from+count) to [to, to+count) in every layer; keys are not re-rotated here. */
    public void move(int from, int to, int count) {
        if (count <= 0 || from == to) return;
        if (from < 0 || to < 0 || from + count > capacity || to + count > capacity) {
            throw new IllegalArgumentException("move of " + count + " positions from " + from + " to " + to + " exceeds capacity " + capacity);
        }
        for (int l = 0; l < keys.length; l++) {
            System.arraycopy(keys[l], from * kvDim, keys[l], to * kvDim, count * kvDim);
            System.arraycopy(values[l], from * kvDim, values[l], to * kvDim, count * kvDim);
        }
    }

    /** A deep copy (used to compare editing strategies on the same state). */
    public KvCache copy() {
        KvCache c = new KvCache(keys.length, kvDim, capacity);
        for (int l = 0; l < keys.length; l++) {
            System.arraycopy(keys[l], 0, c.keys[l], 0, length * kvDim);
            System.arraycopy(values[l], 0, c.values[l], 0, length * kvDim);
        }
        c.length = length;
        return c;
    }

    /** Makes this cache hold what {@code src} holds (same shape; this one's capacity must fit src's length). */
    public void copyFrom(KvCache src) {
        if (src.kvDim != kvDim || src.keys.length != keys.length || src.length > capacity) {
            throw new IllegalArgumentException("cannot copy a cache of " + src.keys.length + " layers x " + src.kvDim + " (" + src.length
                    + " positions) into one of " + keys.length + " x " + kvDim + " (" + capacity + ")");
        }
        for (int l = 0; l < keys.length; l++) {
            System.arraycopy(src.keys[l], 0, keys[l], 0, src.length * kvDim);
            System.arraycopy(src.values[l], 0, values[l], 0, src.length * kvDim);
        }
        length = src.length;
    }

    private KvCache(int layers, int kvDim, int capacity) {
        this.kvDim = kvDim;
        this.capacity = capacity;
        this.keys = new float[layers][capacity * kvDim];
        this.values = new float[layers][capacity * kvDim];
    }
}
