package carto.inference.gguf;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A GGUF (v2/v3) file memory-mapped through a {@link MemorySegment}: metadata, tensor directory
 * and zero-copy access to tensor bytes. Every structural problem is reported as a
 * {@link GgufException} that names the file and the offending entry.
 */
public final class GgufFile implements AutoCloseable {
    public static final int MAGIC = 0x46554747; // "GGUF" little-endian
    public static final int DEFAULT_ALIGNMENT = 32;

    static final ValueLayout.OfInt I32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfLong I64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfDouble F64 = ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final Path path;
    private final Arena arena;
    private final MemorySegment segment;
    private final int version;
    private final Map<String, GgufKv> metadata;
    private final List<GgufTensor> tensors;
    private final Map<String, GgufTensor> tensorsByName;
    private final long dataStart;
    private final int alignment;

    private GgufFile(Path path, Arena arena, MemorySegment segment, int version, Map<String, GgufKv> metadata,
                     List<GgufTensor> tensors, long dataStart, int alignment) {
        this.path = path;
        this.arena = arena;
        this.segment = segment;
        this.version = version;
        this.metadata = Collections.unmodifiableMap(metadata);
        this.tensors = List.copyOf(tensors);
        Map<String, GgufTensor> byName = new LinkedHashMap<>();
        for (GgufTensor t : tensors) byName.put(t.name(), t);
        this.tensorsByName = Collections.unmodifiableMap(byName);
        this.dataStart = dataStart;
        this.alignment = alignment;
    }

    /** Maps and validates a GGUF file. */
    public static GgufFile open(Path path) {
        long size;
        try {
            size = Files.size(path);
        } catch (NoSuchFileException e) {
            throw new GgufException(path, "no such file. Check the path, or fetch a model with `carto model pull`.");
        } catch (IOException e) {
            throw new GgufException(path, "cannot read the file (" + e.getMessage() + ")", e);
        }
        if (Files.isDirectory(path)) {
            throw new GgufException(path, "is a directory, not a GGUF model file");
        }
        if (size < 24) {
            throw new GgufException(path, "only " + size + " bytes long, too short to be a GGUF file (truncated download?)");
        }
        Arena arena = Boolean.getBoolean("carto.sharedArena") ? Arena.ofShared() : Arena.ofAuto();
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            MemorySegment seg = ch.map(FileChannel.MapMode.READ_ONLY, 0, size, arena);
            return parse(path, arena, seg);
        } catch (IOException e) {
            closeArena(arena);
            throw new GgufException(path, "cannot map the file (" + e.getMessage() + ")", e);
        } catch (RuntimeException e) {
            closeArena(arena);
            throw e;
        }
    }

    /** Parses a GGUF image already in memory (tests, fuzzing). The arena may be null for heap segments. */
    public static GgufFile parse(Path path, Arena arena, MemorySegment seg) {
        Reader r = new Reader(path, seg);
        int magic = r.i32("magic");
        if (magic != MAGIC) {
            String hint = magic == 0x67676a74 || magic == 0x67676d6c || magic == 0x67676d66
                    ? " This is a pre-GGUF (GGML/GGJT) file; convert it with llama.cpp's convert scripts."
                    : Integer.reverseBytes(magic) == MAGIC ? " It looks like a big-endian GGUF, which Carto does not read." : "";
            throw new GgufException(path, String.format("not a GGUF file (magic 0x%08x, expected 0x%08x \"GGUF\").%s", magic, MAGIC, hint));
        }
        int version = r.i32("version");
        if (version == 1) {
            throw new GgufException(path, "GGUF version 1 is obsolete and not supported; re-convert the model with a current llama.cpp (version 2 or 3)");
        }
        if (version < 1 || version > 3) {
            throw new GgufException(path, "unsupported GGUF version " + version + " (Carto reads versions 2 and 3)");
        }
        long nTensors = r.i64("tensor count");
        long nKv = r.i64("metadata count");
        if (nTensors < 0 || nTensors > seg.byteSize() / 24) {
            throw new GgufException(path, "corrupt header: tensor count " + nTensors + " is impossible for a file of " + seg.byteSize() + " bytes");
        }
        if (nKv < 0 || nKv > seg.byteSize() / 16) {
            throw new GgufException(path, "corrupt header: metadata count " + nKv + " is impossible for a file of " + seg.byteSize() + " bytes");
        }
        Map<String, GgufKv> metadata = new LinkedHashMap<>();
        for (long i = 0; i < nKv; i++) {
            String key = r.string("metadata key #" + i);
            GgufValueType type = r.valueType("metadata '" + key + "'");
            Object value;
            GgufValueType elementType = null;
            if (type == GgufValueType.ARRAY) {
                elementType = r.valueType("element type of array '" + key + "'");
                value = r.array(key, elementType);
            } else {
                value = r.scalar(key, type);
            }
            if (metadata.put(key, new GgufKv(key, type, elementType, value)) != null) {
                throw new GgufException(path, "corrupt header: metadata key '" + key + "' appears twice");
            }
        }
        int alignment = DEFAULT_ALIGNMENT;
        GgufKv al = metadata.get("general.alignment");
        if (al != null) {
            if (!(al.value() instanceof Number n) || n.longValue() <= 0 || Long.bitCount(n.longValue()) != 1 || n.longValue() > 1 << 20) {
                throw new GgufException(path, "general.alignment must be a power of two, found " + al.value());
            }
            alignment = n.intValue();
        }
        List<GgufTensor> tensors = new ArrayList<>((int) nTensors);
        java.util.Set<String> names = new java.util.HashSet<>();
        for (long i = 0; i < nTensors; i++) {
            String name = r.string("name of tensor #" + i);
            int nDims = r.i32("dimension count of tensor '" + name + "'");
            if (nDims < 1 || nDims > 4) {
                throw new GgufException(path, "tensor '" + name + "' has " + nDims + " dimensions (GGUF allows 1 to 4): the file is corrupt");
            }
            long[] dims = new long[nDims];
            for (int d = 0; d < nDims; d++) {
                dims[d] = r.i64("dimension " + d + " of tensor '" + name + "'");
                if (dims[d] <= 0 || dims[d] > (1L << 40)) {
                    throw new GgufException(path, "tensor '" + name + "' has an impossible dimension " + dims[d] + ": the file is corrupt");
                }
            }
            int typeId = r.i32("type of tensor '" + name + "'");
            GgmlType type = GgmlType.byId(typeId);
            if (type == null) {
                throw new GgufException(path, "tensor '" + name + "' has unknown type id " + typeId + "; the file is corrupt or newer than Carto knows");
            }
            long offset = r.i64("offset of tensor '" + name + "'");
            if (dims[0] % type.blockSize != 0) {
                throw new GgufException(path, "tensor '" + name + "' of type " + type + " has row length " + dims[0]
                        + ", not a multiple of the block size " + type.blockSize + ": the shapes are inconsistent");
            }
            GgufTensor t = new GgufTensor(name, dims, type, offset);
            try {
                t.elements();
            } catch (ArithmeticException e) {
                throw new GgufException(path, "tensor '" + name + "' has a shape too large to address: " + t.shape());
            }
            if (offset < 0 || offset % alignment != 0) {
                throw new GgufException(path, "tensor '" + name + "' has data offset " + offset + ", not a multiple of the alignment " + alignment);
            }
            if (!names.add(name)) {
                throw new GgufException(path, "tensor '" + name + "' is listed twice");
            }
            tensors.add(t);
        }
        long dataStart = align(r.pos, alignment);
        long dataBytes = seg.byteSize() - dataStart;
        for (GgufTensor t : tensors) {
            long end = t.offset() + t.byteSize();
            if (end > dataBytes || dataStart > seg.byteSize()) {
                throw new GgufException(path, String.format(
                        "truncated: tensor '%s' (%s %s) needs bytes up to %,d of the data section but the file only has %,d. Re-download the file.",
                        t.name(), t.type(), t.shape(), end, Math.max(0, dataBytes)));
            }
        }
        return new GgufFile(path, arena, seg, version, metadata, tensors, dataStart, alignment);
    }

    static long align(long v, long alignment) {
        return (v + alignment - 1) / alignment * alignment;
    }

    public Path path() { return path; }
    public int version() { return version; }
    public Map<String, GgufKv> metadata() { return metadata; }
    public List<GgufTensor> tensors() { return tensors; }
    public long dataStart() { return dataStart; }
    public int alignment() { return alignment; }
    public long fileSize() { return segment.byteSize(); }

    public GgufTensor tensor(String name) {
        return tensorsByName.get(name);
    }

    /** The bytes of a tensor, as a slice of the mapping (no copy). */
    public MemorySegment data(GgufTensor t) {
        return segment.asSlice(dataStart + t.offset(), t.byteSize());
    }

    public boolean has(String key) {
        return metadata.containsKey(key);
    }

    public Object value(String key) {
        GgufKv kv = metadata.get(key);
        return kv == null ? null : kv.value();
    }

    public String getString(String key, String def) {
        Object v = value(key);
        if (v == null) return def;
        if (v instanceof String s) return s;
        throw wrongType(key, "a string", v);
    }

    public long getLong(String key, long def) {
        Object v = value(key);
        if (v == null) return def;
        if (v instanceof Number n) return n.longValue();
        if (v instanceof Boolean b) return b ? 1 : 0;
        throw wrongType(key, "a number", v);
    }

    public int getInt(String key, int def) {
        long v = getLong(key, def);
        if (v > Integer.MAX_VALUE || v < Integer.MIN_VALUE) throw new GgufException(path, "metadata '" + key + "' = " + v + " is out of range");
        return (int) v;
    }

    public float getFloat(String key, float def) {
        Object v = value(key);
        if (v == null) return def;
        if (v instanceof Number n) return n.floatValue();
        throw wrongType(key, "a number", v);
    }

    public boolean getBoolean(String key, boolean def) {
        Object v = value(key);
        if (v == null) return def;
        if (v instanceof Boolean b) return b;
        if (v instanceof Number n) return n.longValue() != 0;
        throw wrongType(key, "a boolean", v);
    }

    public String[] getStrings(String key) {
        Object v = value(key);
        if (v == null) return null;
        if (v instanceof String[] s) return s;
        throw wrongType(key, "an array of strings", v);
    }

    public float[] getFloats(String key) {
        Object v = value(key);
        if (v == null) return null;
        if (v instanceof float[] f) return f;
        if (v instanceof double[] d) {
            float[] f = new float[d.length];
            for (int i = 0; i < d.length; i++) f[i] = (float) d[i];
            return f;
        }
        throw wrongType(key, "an array of floats", v);
    }

    public int[] getInts(String key) {
        Object v = value(key);
        if (v == null) return null;
        if (v instanceof int[] i) return i;
        if (v instanceof byte[] b) {
            int[] r = new int[b.length];
            for (int k = 0; k < b.length; k++) r[k] = b[k];
            return r;
        }
        if (v instanceof short[] s) {
            int[] r = new int[s.length];
            for (int k = 0; k < s.length; k++) r[k] = s[k];
            return r;
        }
        if (v instanceof long[] l) {
            int[] r = new int[l.length];
            for (int k = 0; k < l.length; k++) r[k] = Math.toIntExact(l[k]);
            return r;
        }
        throw wrongType(key, "an array of integers", v);
    }

    private GgufException wrongType(String key, String expected, Object v) {
        return new GgufException(path, "metadata '" + key + "' should be " + expected + " but is " + v.getClass().getSimpleName());
    }

    @Override
    public void close() {
        closeArena(arena);
    }

    private static void closeArena(Arena arena) {
        try {
            if (arena != null && arena.scope().isAlive()) arena.close();
        } catch (UnsupportedOperationException e) {
            // automatic arenas are unmapped by the garbage collector
        }
    }

    /** Bounds-checked little-endian cursor over the header. */
    private static final class Reader {
        final Path path;
        final MemorySegment seg;
        long pos;

        Reader(Path path, MemorySegment seg) {
            this.path = path;
            this.seg = seg;
        }

        void need(long n, String what) {
            if (n < 0 || pos + n > seg.byteSize()) {
                throw new GgufException(path, "truncated or corrupt header: reading " + what + " at byte " + pos
                        + " needs " + n + " bytes but the file ends at " + seg.byteSize() + ". Re-download the file.");
            }
        }

        int i32(String what) {
            need(4, what);
            int v = seg.get(I32, pos);
            pos += 4;
            return v;
        }

        long i64(String what) {
            need(8, what);
            long v = seg.get(I64, pos);
            pos += 8;
            return v;
        }

        GgufValueType valueType(String what) {
            int id = i32(what);
            GgufValueType t = GgufValueType.byId(id);
            if (t == null) throw new GgufException(path, "corrupt header: " + what + " has unknown value type " + id);
            return t;
        }

        String string(String what) {
            long len = i64("length of " + what);
            if (len < 0 || len > seg.byteSize() - pos) {
                throw new GgufException(path, "corrupt header: " + what + " claims a length of " + len + " bytes, beyond the end of the file");
            }
            byte[] b = seg.asSlice(pos, len).toArray(ValueLayout.JAVA_BYTE);
            pos += len;
            return decode(b, what);
        }

        String decode(byte[] b, String what) {
            try {
                return StandardCharsets.UTF_8.newDecoder()
                        .onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT)
                        .decode(java.nio.ByteBuffer.wrap(b)).toString();
            } catch (CharacterCodingException e) {
                // Token texts may legitimately hold partial UTF-8 (byte-level vocabularies); keep them lossless in Latin-1 form.
                return new String(b, StandardCharsets.ISO_8859_1);
            }
        }

        Object scalar(String key, GgufValueType t) {
            String what = "value of '" + key + "'";
            return switch (t) {
                case UINT8 -> { need(1, what); int v = seg.get(ValueLayout.JAVA_BYTE, pos) & 0xff; pos += 1; yield v; }
                case INT8 -> { need(1, what); int v = seg.get(ValueLayout.JAVA_BYTE, pos); pos += 1; yield v; }
                case UINT16 -> { need(2, what); int v = seg.get(I16, pos) & 0xffff; pos += 2; yield v; }
                case INT16 -> { need(2, what); int v = seg.get(I16, pos); pos += 2; yield v; }
                case UINT32 -> Integer.toUnsignedLong(i32(what));
                case INT32 -> i32(what);
                case FLOAT32 -> { need(4, what); float v = seg.get(F32, pos); pos += 4; yield v; }
                case BOOL -> {
                    need(1, what);
                    int v = seg.get(ValueLayout.JAVA_BYTE, pos);
                    pos += 1;
                    if (v != 0 && v != 1) throw new GgufException(path, "corrupt header: boolean '" + key + "' has value " + v);
                    yield v == 1;
                }
                case STRING -> string(what);
                case UINT64, INT64 -> i64(what);
                case FLOAT64 -> { need(8, what); double v = seg.get(F64, pos); pos += 8; yield v; }
                case ARRAY -> throw new GgufException(path, "corrupt header: nested array where a scalar was expected in '" + key + "'");
            };
        }

        Object array(String key, GgufValueType et) {
            long n = i64("length of array '" + key + "'");
            long minBytes = et.size > 0 ? et.size : 8;
            if (n < 0 || n > (seg.byteSize() - pos) / minBytes) {
                throw new GgufException(path, "corrupt header: array '" + key + "' claims " + n + " elements, more than the file can hold");
            }
            int len = (int) n;
            switch (et) {
                case UINT8, INT8 -> {
                    need(len, key);
                    byte[] a = seg.asSlice(pos, len).toArray(ValueLayout.JAVA_BYTE);
                    pos += len;
                    return a;
                }
                case BOOL -> {
                    need(len, key);
                    boolean[] a = new boolean[len];
                    for (int i = 0; i < len; i++) a[i] = seg.get(ValueLayout.JAVA_BYTE, pos + i) != 0;
                    pos += len;
                    return a;
                }
                case UINT16, INT16 -> {
                    need(2L * len, key);
                    short[] a = new short[len];
                    MemorySegment.copy(seg, I16, pos, a, 0, len);
                    pos += 2L * len;
                    return a;
                }
                case UINT32, INT32 -> {
                    need(4L * len, key);
                    int[] a = new int[len];
                    MemorySegment.copy(seg, I32, pos, a, 0, len);
                    pos += 4L * len;
                    return a;
                }
                case FLOAT32 -> {
                    need(4L * len, key);
                    float[] a = new float[len];
                    MemorySegment.copy(seg, F32, pos, a, 0, len);
                    pos += 4L * len;
                    return a;
                }
                case UINT64, INT64 -> {
                    need(8L * len, key);
                    long[] a = new long[len];
                    MemorySegment.copy(seg, I64, pos, a, 0, len);
                    pos += 8L * len;
                    return a;
                }
                case FLOAT64 -> {
                    need(8L * len, key);
                    double[] a = new double[len];
                    MemorySegment.copy(seg, F64, pos, a, 0, len);
                    pos += 8L * len;
                    return a;
                }
                case STRING -> {
                    String[] a = new String[len];
                    for (int i = 0; i < len; i++) a[i] = string("element " + i + " of '" + key + "'");
                    return a;
                }
                case ARRAY -> {
                    Object[] a = new Object[len];
                    for (int i = 0; i < len; i++) {
                        GgufValueType inner = valueType("element type of " + key + "[" + i + "]");
                        a[i] = array(key + "[" + i + "]", inner);
                    }
                    return a;
                }
            }
            throw new IllegalStateException();
        }
    }
}
