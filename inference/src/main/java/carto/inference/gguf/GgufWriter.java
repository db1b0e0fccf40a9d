package carto.inference.gguf;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Writes GGUF v3 files: metadata in insertion order, then aligned tensor data. */
public final class GgufWriter {
    private final Map<String, GgufKv> metadata = new LinkedHashMap<>();
    private final List<Pending> tensors = new ArrayList<>();
    private int alignment = GgufFile.DEFAULT_ALIGNMENT;

    /** Supplies the bytes of one tensor when the file is written, so large models never sit in memory twice. */
    public interface TensorSource {
        MemorySegment bytes();
    }

    private record Pending(String name, GgmlType type, long[] dims, TensorSource source) {}

    public GgufWriter put(GgufKv kv) {
        if (kv.key().equals("general.alignment")) alignment = ((Number) kv.value()).intValue();
        metadata.put(kv.key(), kv);
        return this;
    }

    public GgufWriter putString(String key, String v) { return put(GgufKv.of(key, GgufValueType.STRING, v)); }
    public GgufWriter putUint32(String key, long v) { return put(GgufKv.of(key, GgufValueType.UINT32, v)); }
    public GgufWriter putInt32(String key, int v) { return put(GgufKv.of(key, GgufValueType.INT32, v)); }
    public GgufWriter putFloat32(String key, float v) { return put(GgufKv.of(key, GgufValueType.FLOAT32, v)); }
    public GgufWriter putBool(String key, boolean v) { return put(GgufKv.of(key, GgufValueType.BOOL, v)); }
    public GgufWriter putStrings(String key, String[] v) { return put(GgufKv.array(key, GgufValueType.STRING, v)); }
    public GgufWriter putFloats(String key, float[] v) { return put(GgufKv.array(key, GgufValueType.FLOAT32, v)); }
    public GgufWriter putInts(String key, int[] v) { return put(GgufKv.array(key, GgufValueType.INT32, v)); }

    public GgufWriter remove(String key) {
        metadata.remove(key);
        return this;
    }

    public GgufWriter addTensor(String name, GgmlType type, long[] dims, TensorSource source) {
        tensors.add(new Pending(name, type, dims.clone(), source));
        return this;
    }

    public GgufWriter addTensor(String name, GgmlType type, long[] dims, MemorySegment data) {
        return addTensor(name, type, dims, () -> data);
    }

    /** Writes to a temporary file beside {@code out} and moves it into place, so a failed write leaves nothing half-written. */
    public void write(Path out) throws IOException {
        Path parent = out.toAbsolutePath().getParent();
        if (parent != null) Files.createDirectories(parent);
        Path tmp = out.resolveSibling(out.getFileName() + ".part-" + Long.toHexString(System.nanoTime()));
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                writeTo(ch);
            }
            Files.move(tmp, out, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    private void writeTo(FileChannel ch) throws IOException {
        Header h = new Header();
        h.i32(GgufFile.MAGIC);
        h.i32(3);
        h.i64(tensors.size());
        h.i64(metadata.size());
        for (GgufKv kv : metadata.values()) {
            h.string(kv.key());
            h.i32(kv.type().id);
            if (kv.type() == GgufValueType.ARRAY) {
                h.array(kv.elementType(), kv.value());
            } else {
                h.scalar(kv.type(), kv.value());
            }
        }
        long offset = 0;
        long[] offsets = new long[tensors.size()];
        for (int i = 0; i < tensors.size(); i++) {
            Pending t = tensors.get(i);
            h.string(t.name);
            h.i32(t.dims.length);
            for (long d : t.dims) h.i64(d);
            h.i32(t.type.id);
            offsets[i] = offset;
            h.i64(offset);
            long elements = 1;
            for (long d : t.dims) elements *= d;
            offset = GgufFile.align(offset + t.type.bytesFor(elements), alignment);
        }
        long headerLen = h.size();
        long pad = GgufFile.align(headerLen, alignment) - headerLen;
        for (long i = 0; i < pad; i++) h.u8(0);
        ch.write(h.buffer());
        long dataStart = headerLen + pad;
        ByteBuffer chunk = ByteBuffer.allocateDirect(1 << 20);
        MemorySegment zeros = MemorySegment.ofArray(new byte[1 << 20]);
        long fileEnd = dataStart;
        for (int i = 0; i < tensors.size(); i++) {
            Pending t = tensors.get(i);
            MemorySegment bytes = t.source.bytes();
            long elements = 1;
            for (long d : t.dims) elements *= d;
            long expected = t.type.bytesFor(elements);
            if (bytes.byteSize() != expected) {
                throw new IllegalArgumentException("tensor '" + t.name + "' has " + bytes.byteSize() + " bytes of data, its type and shape need " + expected);
            }
            long pos = dataStart + offsets[i];
            for (long done = 0; done < expected; ) {
                int n = (int) Math.min(chunk.capacity(), expected - done);
                MemorySegment part = bytes.asSlice(done, n);
                if (part.mismatch(zeros.asSlice(0, n)) < 0) {
                    pos += n; // all zero: leave a hole, the file system reads it back as zeros
                } else {
                    chunk.clear().limit(n);
                    MemorySegment.ofBuffer(chunk).copyFrom(part);
                    while (chunk.hasRemaining()) pos += ch.write(chunk, pos);
                }
                done += n;
            }
            long end = dataStart + GgufFile.align(offsets[i] + expected, alignment);
            if (end > pos) ch.write(ByteBuffer.allocate((int) (end - pos)), pos);
            fileEnd = Math.max(fileEnd, end);
        }
        if (ch.size() < fileEnd) ch.write(ByteBuffer.allocate(1), fileEnd - 1); // a trailing hole still needs the file's full length
    }

    /** Growable little-endian buffer for the header. */
    private static final class Header {
        private ByteBuffer buf = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);

        private void ensure(int n) {
            if (buf.remaining() < n) {
                ByteBuffer b = ByteBuffer.allocate(Math.max(buf.capacity() * 2, buf.position() + n + 1024)).order(ByteOrder.LITTLE_ENDIAN);
                buf.flip();
                b.put(buf);
                buf = b;
            }
        }

        long size() { return buf.position(); }

        ByteBuffer buffer() {
            ByteBuffer b = buf.duplicate();
            b.flip();
            return b;
        }

        void u8(int v) { ensure(1); buf.put((byte) v); }
        void i16(int v) { ensure(2); buf.putShort((short) v); }
        void i32(int v) { ensure(4); buf.putInt(v); }
        void i64(long v) { ensure(8); buf.putLong(v); }
        void f32(float v) { ensure(4); buf.putFloat(v); }
        void f64(double v) { ensure(8); buf.putDouble(v); }

        void string(String s) {
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            i64(b.length);
            ensure(b.length);
            buf.put(b);
        }

        void scalar(GgufValueType t, Object v) {
            switch (t) {
                case UINT8, INT8 -> u8(((Number) v).intValue());
                case UINT16, INT16 -> i16(((Number) v).intValue());
                case UINT32, INT32 -> i32((int) ((Number) v).longValue());
                case FLOAT32 -> f32(((Number) v).floatValue());
                case BOOL -> u8((Boolean) v ? 1 : 0);
                case STRING -> string((String) v);
                case UINT64, INT64 -> i64(((Number) v).longValue());
                case FLOAT64 -> f64(((Number) v).doubleValue());
                case ARRAY -> throw new IllegalArgumentException("array passed as scalar");
            }
        }

        void array(GgufValueType et, Object v) {
            i32(et.id);
            switch (v) {
                case byte[] a -> { i64(a.length); ensure(a.length); buf.put(a); }
                case boolean[] a -> { i64(a.length); for (boolean x : a) u8(x ? 1 : 0); }
                case short[] a -> { i64(a.length); for (short x : a) i16(x); }
                case int[] a -> { i64(a.length); ensure(4 * a.length); for (int x : a) buf.putInt(x); }
                case float[] a -> { i64(a.length); ensure(4 * a.length); for (float x : a) buf.putFloat(x); }
                case long[] a -> { i64(a.length); for (long x : a) i64(x); }
                case double[] a -> { i64(a.length); for (double x : a) f64(x); }
                case String[] a -> { i64(a.length); for (String x : a) string(x); }
                case Object[] a -> throw new IllegalArgumentException("nested GGUF arrays are not written by Carto");
                default -> throw new IllegalArgumentException("unsupported array value " + v.getClass());
            }
        }
    }

    /** A copy of every metadata entry of {@code src}, to re-write a model with new tensors. */
    public static GgufWriter copyMetadata(GgufFile src) {
        GgufWriter w = new GgufWriter();
        for (GgufKv kv : src.metadata().values()) w.put(kv);
        return w;
    }
}
