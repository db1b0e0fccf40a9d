package carto.inference.tensor;

import carto.inference.gguf.GgmlType;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * A 2-D weight tensor of {@code rows} rows by {@code cols} columns, stored in one GGML type and
 * multiplied without converting the whole matrix: fused dot kernels for single tokens, and a
 * dequantize-then-GEMM path that reuses each dequantized row across a batch of tokens.
 */
public abstract sealed class WeightMatrix
        permits F32Matrix, F16Matrix, BF16Matrix, Q8_0Matrix, Q4_0Matrix, Q5_0Matrix, Q4KMatrix, Q5KMatrix, Q6KMatrix {

    static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    static final int L = F.length();
    /** The vector kernels need at least 256-bit vectors; narrower machines use the scalar path. */
    static final boolean VECTOR = L >= 8 && !Boolean.getBoolean("carto.scalar");
    static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfInt I32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;

    /** Rows dequantized together in the batched path. */
    private static final int ROW_TILE = 4;
    private static final ThreadLocal<float[]> SCRATCH = ThreadLocal.withInitial(() -> new float[0]);

    final String name;
    final GgmlType type;
    final int rows;
    final int cols;
    final MemorySegment data;
    final long rowBytes;

    WeightMatrix(String name, GgmlType type, int rows, int cols, MemorySegment data) {
        if (cols % type.blockSize != 0) {
            throw new IllegalArgumentException(name + ": " + cols + " columns is not a multiple of the " + type + " block size " + type.blockSize);
        }
        this.name = name;
        this.type = type;
        this.rows = rows;
        this.cols = cols;
        this.data = data;
        this.rowBytes = type.bytesFor(cols);
        if (data.byteSize() < rowBytes * rows) {
            throw new IllegalArgumentException(name + ": " + data.byteSize() + " bytes of data, " + rows + "x" + cols + " " + type + " needs " + rowBytes * rows);
        }
    }

    /** Wraps tensor bytes in the kernel class for their type. */
    public static WeightMatrix of(String name, GgmlType type, int rows, int cols, MemorySegment data) {
        return switch (type) {
            case F32 -> new F32Matrix(name, rows, cols, data);
            case F16 -> new F16Matrix(name, rows, cols, data);
            case BF16 -> new BF16Matrix(name, rows, cols, data);
            case Q8_0 -> new Q8_0Matrix(name, rows, cols, data);
            case Q4_0 -> new Q4_0Matrix(name, rows, cols, data);
            case Q5_0 -> new Q5_0Matrix(name, rows, cols, data);
            case Q4_K -> new Q4KMatrix(name, rows, cols, data);
            case Q5_K -> new Q5KMatrix(name, rows, cols, data);
            case Q6_K -> new Q6KMatrix(name, rows, cols, data);
            default -> throw new IllegalArgumentException("tensor '" + name + "' has type " + type
                    + ", which Carto cannot compute with; supported types: " + GgmlType.supportedList()
                    + ". Re-quantize the model to one of them (e.g. llama-quantize ... Q4_K_M).");
        };
    }

    public String name() { return name; }
    public GgmlType type() { return type; }
    public int rows() { return rows; }
    public int cols() { return cols; }
    public long byteSize() { return rowBytes * rows; }

    /** Writes row {@code row} as floats into {@code out[off .. off+cols)}. */
    public abstract void dequantizeRow(int row, float[] out, int off);

    /** The dot product of row {@code row} with {@code x[xOff .. xOff+cols)}, by the vector kernel. */
    abstract float dotVector(int row, float[] x, int xOff);

    /**
     * What the kernel computes from x alone (block sums, quantized activations), once per product
     * on the calling thread and shared by every row range; null when the kernel needs nothing.
     */
    Object prepare(float[] x, int xOff) {
        return null;
    }

    /** {@code out[outOff + r - from] = row r . x} for rows [from, to), with {@code prepared} from {@link #prepare}. */
    void dotRows(int from, int to, float[] x, int xOff, Object prepared, float[] out, int outOff) {
        for (int r = from; r < to; r++) out[outOff + r - from] = dotVector(r, x, xOff);
    }

    /**
     * Rows a parallel product hands out together: kernels that interleave rows in groups
     * ({@link Q4_0Matrix}) need ranges that start and end on a group.
     */
    int rowUnit() {
        return 1;
    }

    /**
     * The matrix to decode with: a kernel may return a copy in a layout built for its single-token
     * product (done once, at model load). The default is this matrix. With
     * {@code quantizeActivations}, a kernel that can (repacked Q4_0) quantizes activations to
     * 8 bits per block as llama.cpp does, faster but no longer the exact-F32 result.
     */
    public WeightMatrix forDecoding(boolean quantizeActivations) {
        return this;
    }

    /**
     * Whether products quantize x to 8 bits per block of 32 first, as llama.cpp's CPU kernels do
     * (the repacked Q4_0 kernel), instead of multiplying in F32 with the exact weights.
     */
    public boolean quantizesActivations() {
        return false;
    }

    public final float dot(int row, float[] x, int xOff) {
        if (VECTOR) return dotVector(row, x, xOff);
        return dotScalar(row, x, xOff);
    }

    /** Reference dot product through {@link #dequantizeRow}; used on narrow-vector machines and by tests. */
    public final float dotScalar(int row, float[] x, int xOff) {
        float[] w = scratch(cols);
        dequantizeRow(row, w, 0);
        float s = 0;
        for (int i = 0; i < cols; i++) s += w[i] * x[xOff + i];
        return s;
    }

    /** {@code out[outOff + r] = row r . x} for every row. */
    public void matvec(Workers workers, float[] x, int xOff, float[] out, int outOff) {
        matvec(workers, new WeightMatrix[]{this}, x, xOff, new float[][]{out}, new int[]{outOff});
    }

    private void rows(int from, int to, float[] x, int xOff, Object prepared, float[] out, int outOff) {
        if (VECTOR) {
            dotRows(from, to, x, xOff, prepared, out, outOff);
        } else {
            for (int r = from; r < to; r++) out[outOff + r - from] = dotScalar(r, x, xOff);
        }
    }

    /**
     * Several matrices with the same column count times one vector, in one parallel loop
     * (q/k/v, gate/up): one hand-off to the worker threads instead of one per matrix.
     */
    public static void matvec(Workers workers, WeightMatrix[] ms, float[] x, float[][] outs) {
        matvec(workers, ms, x, 0, outs, new int[ms.length]);
    }

    private static void matvec(Workers workers, WeightMatrix[] ms, float[] x, int xOff, float[][] outs, int[] outOffs) {
        int total = 0;
        int unit = 1;
        int[] starts = new int[ms.length + 1];
        Object[] prepared = new Object[ms.length];
        for (int i = 0; i < ms.length; i++) {
            starts[i] = total;
            total += ms[i].rows;
            unit = Math.max(unit, ms[i].rowUnit());
            if (VECTOR) prepared[i] = ms[i].prepare(x, xOff);
        }
        starts[ms.length] = total;
        for (WeightMatrix m : ms) {
            if (m.rows % unit != 0) unit = 1;
        }
        int u = unit;
        workers.parallelFor(total / u, Math.max(1, 32 / u), (first, last) -> {
            int from = first * u, to = last * u;
            for (int i = 0; i < ms.length; i++) {
                int a = Math.max(from, starts[i]), b = Math.min(to, starts[i + 1]);
                if (a < b) ms[i].rows(a - starts[i], b - starts[i], x, xOff, prepared[i], outs[i], outOffs[i] + a - starts[i]);
            }
        });
    }

    /**
     * Batched product: for each of {@code n} tokens t, {@code out[t*outStride + r] = row r . x[t*xStride ..]}.
     * Rows are dequantized once per tile and reused for every token.
     */
    public void matmul(Workers workers, float[] x, int n, int xStride, float[] out, int outStride) {
        if (n == 1) {
            matvec(workers, x, 0, out, 0);
            return;
        }
        int tiles = (rows + ROW_TILE - 1) / ROW_TILE;
        workers.parallelFor(tiles, 2, (from, to) -> {
            float[] w = scratch(ROW_TILE * cols);
            for (int tile = from; tile < to; tile++) {
                int r0 = tile * ROW_TILE;
                int nr = Math.min(ROW_TILE, rows - r0);
                for (int i = 0; i < nr; i++) dequantizeRow(r0 + i, w, i * cols);
                if (nr == ROW_TILE) {
                    int t = 0;
                    for (; t + 4 <= n; t += 4) Gemm.tile4x4(w, cols, x, t * xStride, xStride, out, t * outStride + r0, outStride);
                    for (; t < n; t++) Gemm.tile4x1(w, cols, x, t * xStride, out, t * outStride + r0);
                } else {
                    for (int i = 0; i < nr; i++) {
                        for (int t = 0; t < n; t++) out[t * outStride + r0 + i] = Gemm.dot(w, i * cols, x, t * xStride, cols);
                    }
                }
            }
        });
    }

    static float[] scratch(int size) {
        float[] s = SCRATCH.get();
        if (s.length < size) {
            s = new float[size];
            SCRATCH.set(s);
        }
        return s;
    }

    /** Int lanes of the same shape as F: quantized bytes are widened once and unpacked with native 32-bit ops. */
    static final VectorSpecies<Integer> I = VectorSpecies.of(int.class, F.vectorShape());

    /** Sums of x over consecutive 32-element blocks of [xOff, xOff+cols). */
    static float[] blockSums(float[] x, int xOff, int cols) {
        float[] s = new float[cols / 32];
        for (int b = 0; b < s.length; b++) {
            FloatVector acc = FloatVector.fromArray(F, x, xOff + 32 * b);
            for (int p = 1; p < 32 / L; p++) acc = acc.add(FloatVector.fromArray(F, x, xOff + 32 * b + p * L));
            s[b] = acc.reduceLanes(VectorOperators.ADD);
        }
        return s;
    }

    static float f16(MemorySegment seg, long off) {
        return Float.float16ToFloat(seg.get(I16, off));
    }

    static int u8(MemorySegment seg, long off) {
        return seg.get(ValueLayout.JAVA_BYTE, off) & 0xff;
    }

    static float sum(FloatVector v) {
        return v.reduceLanes(VectorOperators.ADD);
    }

    @Override
    public String toString() {
        return name + " " + type + " [" + rows + " x " + cols + "]";
    }
}
