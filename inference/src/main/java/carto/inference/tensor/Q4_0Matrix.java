package carto.inference.tensor;

import carto.inference.gguf.GgmlType;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.stream.IntStream;

/**
 * Q4_0: blocks of 32 4-bit values (offset 8) with one half-precision scale (18 bytes). The
 * offset is applied once per block through the block sum of x: d*(sum q*x - 8*sum x).
 *
 * <p>For decoding on 512-bit machines, {@link #forDecoding} repacks the rows in groups of 32
 * (llama.cpp repacks Q4_0 for the same reason): for each block, the 32 rows' scales as floats,
 * then for each of the 16 quant bytes the 32 rows' bytes side by side. A kernel then multiplies
 * 16 or 32 rows at once by one broadcast activation, with no per-row horizontal sums: the
 * row-major kernel spent its time on those and on per-block scalar work, bound by arithmetic
 * rather than by memory. Two arithmetics on that layout:
 * <ul>
 * <li>F32 (the default): weights times float activations, the exact-F32 result (1.4x the
 * row-major kernel's decode speed);
 * <li>{@code quantizeActivations}: activations quantized to 8 bits per block as llama.cpp does
 * (Q8_0), multiplied in 16-bit integers, 32 rows per instruction (1.7x), matching llama.cpp's
 * own quantized arithmetic instead of the exact result.
 * </ul>
 */
public final class Q4_0Matrix extends WeightMatrix {
    /** Rows per interleaved group: one 16-bit lane each in a 512-bit vector. */
    static final int GROUP = 32;
    /** Bytes per block of a group: 32 float scales, then 16 quant bytes x 32 rows. */
    private static final long GROUP_BLOCK = GROUP * 4 + 16 * GROUP;
    private static final VectorSpecies<Short> S = ShortVector.SPECIES_512;
    private static final VectorSpecies<Byte> B32 = ByteVector.SPECIES_256;
    private static final VectorSpecies<Float> F512 = FloatVector.SPECIES_512;
    private static final VectorSpecies<Integer> I512 = IntVector.SPECIES_512;
    /** The packed kernel needs 512-bit vectors (32 rows per register); narrower machines keep the row-major kernel. */
    static final boolean PACKABLE = VECTOR && F.vectorBitSize() >= 512 && !Boolean.getBoolean("carto.q4_0.rowMajor");

    /** Whether {@link #forDecoding} repacks on this machine (512-bit vectors, not turned off by -Dcarto.q4_0.rowMajor). */
    public static boolean repackingAvailable() {
        return PACKABLE;
    }

    /** Native bytes {@link #forDecoding} allocates for a rows x cols matrix on this machine (0: not repacked). */
    public static long repackedBytes(long rows, long cols) {
        return PACKABLE && rows % GROUP == 0 && cols % 32 == 0 ? rows / GROUP * (cols / 32) * GROUP_BLOCK : 0;
    }

    /** Offset of group g's first block in the packed layout. */
    private long groupBase(int g) {
        return (long) g * (cols / 32) * GROUP_BLOCK;
    }

    /** Offset of quant byte j of the 32 rows of the group block at {@code blk} (the scales come first). */
    private static long quants(long blk, int j) {
        return blk + GROUP * 4 + (long) GROUP * j;
    }

    /** The rows in groups of 32 (see the class comment), or null: row-major in {@code data}. */
    private final MemorySegment packed;
    /** The packed kernels quantize activations to Q8_0 (llama.cpp's arithmetic) instead of multiplying in F32. */
    private final boolean quantized;

    Q4_0Matrix(String name, int rows, int cols, MemorySegment data) {
        this(name, rows, cols, data, null, false);
    }

    private Q4_0Matrix(String name, int rows, int cols, MemorySegment data, MemorySegment packed, boolean quantized) {
        super(name, GgmlType.Q4_0, rows, cols, data);
        this.packed = packed;
        this.quantized = quantized;
    }

    /**
     * The packed copy, when this machine has 512-bit vectors and the rows come in whole groups.
     * The copy is native memory, which the JVM caps at -XX:MaxDirectMemorySize (by default the
     * heap's maximum): a model too big for that keeps the row-major kernel instead of failing.
     */
    @Override
    public WeightMatrix forDecoding(boolean quantizeActivations) {
        long bytes = repackedBytes(rows, cols);
        if (packed != null || bytes == 0) return this;
        int blocks = cols / 32;
        MemorySegment p;
        try {
            p = Arena.ofAuto().allocate(bytes, 64);
        } catch (OutOfMemoryError e) {
            return this;
        }
        IntStream.range(0, rows / GROUP).parallel().forEach(g -> {
            for (int l = 0; l < GROUP; l++) {
                long src = ((long) g * GROUP + l) * rowBytes;
                long dst = groupBase(g);
                for (int b = 0; b < blocks; b++, src += 18, dst += GROUP_BLOCK) {
                    p.set(F32, dst + 4L * l, f16(data, src));
                    for (int j = 0; j < 16; j++) p.set(ValueLayout.JAVA_BYTE, quants(dst, j) + l, data.get(ValueLayout.JAVA_BYTE, src + 2 + j));
                }
            }
        });
        return new Q4_0Matrix(name, rows, cols, data, p, quantizeActivations);
    }

    /** Bytes of the layout the kernels read (the packed copy is 20 bytes per block instead of 18). */
    @Override
    public long byteSize() {
        return packed != null ? packed.byteSize() : super.byteSize();
    }

    @Override
    public boolean quantizesActivations() {
        return packed != null && quantized;
    }

    @Override
    int rowUnit() {
        return packed != null ? GROUP : 1;
    }

    @Override
    public void dequantizeRow(int row, float[] out, int off) {
        if (packed != null) {
            dequantizePackedRow(row, out, off);
            return;
        }
        long base = row * rowBytes;
        if (!VECTOR) {
            for (int b = 0; b < cols / 32; b++) {
                long blk = base + 18L * b;
                float d = f16(data, blk);
                int o = off + 32 * b;
                for (int j = 0; j < 16; j++) {
                    int q = data.get(ValueLayout.JAVA_BYTE, blk + 2 + j) & 0xff;
                    out[o + j] = d * ((q & 0xf) - 8);
                    out[o + j + 16] = d * ((q >>> 4) - 8);
                }
            }
            return;
        }
        for (int b = 0; b < cols / 32; b++) {
            long blk = base + 18L * b;
            FloatVector d = FloatVector.broadcast(F, f16(data, blk));
            int o = off + 32 * b;
            ByteVector q = ByteVector.fromMemorySegment(ByteVector.SPECIES_128, data, blk + 2, LE);
            for (int p = 0; p < 16 / L; p++) {
                IntVector v = (IntVector) q.convertShape(VectorOperators.B2I, I, p);
                ((FloatVector) v.and(0xf).sub(8).convert(VectorOperators.I2F, 0)).mul(d).intoArray(out, o + p * L);
                ((FloatVector) v.lanewise(VectorOperators.LSHR, 4).and(0xf).sub(8).convert(VectorOperators.I2F, 0)).mul(d).intoArray(out, o + 16 + p * L);
            }
        }
    }

    private void dequantizePackedRow(int row, float[] out, int off) {
        int blocks = cols / 32, lane = row % GROUP;
        long blk = groupBase(row / GROUP);
        for (int b = 0; b < blocks; b++, blk += GROUP_BLOCK) {
            float d = packed.get(F32, blk + 4L * lane);
            int o = off + 32 * b;
            for (int j = 0; j < 16; j++) {
                int q = packed.get(ValueLayout.JAVA_BYTE, quants(blk, j) + lane) & 0xff;
                out[o + j] = d * ((q & 0xf) - 8);
                out[o + j + 16] = d * ((q >>> 4) - 8);
            }
        }
    }

    @Override
    float dotVector(int row, float[] x, int xOff) {
        // F32 rows need no prepared activations: prepare's block sums serve only the row-major kernel
        if (packed != null) return quantized ? dotPackedRow(row, new Q8Activations(x, xOff, cols)) : dotScalar(row, x, xOff);
        return dotRow(row * rowBytes, x, xOff, blockSums(x, xOff, cols));
    }

    @Override
    Object prepare(float[] x, int xOff) {
        return quantized ? new Q8Activations(x, xOff, cols) : blockSums(x, xOff, cols);
    }

    @Override
    void dotRows(int from, int to, float[] x, int xOff, Object prepared, float[] out, int outOff) {
        if (packed == null) {
            float[] xs = (float[]) prepared;
            for (int r = from; r < to; r++) out[outOff + r - from] = dotRow(r * rowBytes, x, xOff, xs);
            return;
        }
        int r = from;
        for (; r < to && r % GROUP != 0; r++) out[outOff + r - from] = packedRow(r, x, xOff, prepared);
        for (; r + GROUP <= to; r += GROUP) {
            if (quantized) dotGroup(r / GROUP, (Q8Activations) prepared, out, outOff + r - from);
            else dotGroup(r / GROUP, x, xOff, (float[]) prepared, out, outOff + r - from);
        }
        for (; r < to; r++) out[outOff + r - from] = packedRow(r, x, xOff, prepared);
    }

    /** One row of the packed layout in the matrix's arithmetic (single rows, ranges that split a group). */
    private float packedRow(int row, float[] x, int xOff, Object prepared) {
        return quantized ? dotPackedRow(row, (Q8Activations) prepared) : dotScalar(row, x, xOff);
    }

    /** One row of the packed layout times quantized activations, lane by lane (ranges that split a group). */
    private float dotPackedRow(int row, Q8Activations a) {
        int blocks = cols / 32, lane = row % GROUP;
        long blk = groupBase(row / GROUP);
        float acc = 0;
        for (int b = 0; b < blocks; b++, blk += GROUP_BLOCK) {
            int s = 0;
            for (int j = 0; j < 16; j++) {
                int q = packed.get(ValueLayout.JAVA_BYTE, quants(blk, j) + lane) & 0xff;
                s += ((q & 0xf) - 8) * a.q[32 * b + j] + ((q >>> 4) - 8) * a.q[32 * b + j + 16];
            }
            acc = Math.fma(s * packed.get(F32, blk + 4L * lane), a.d[b], acc);
        }
        return acc;
    }

    /**
     * Batched product on the packed layout, with decoding's arithmetic: each group of 32 rows is
     * dequantized once, column by column (the 32 rows' weights of one column side by side), and
     * four tokens at a time multiply it: per column, a broadcast of each token's activation times
     * two weight vectors. In the quantized arithmetic each token's activations are first
     * quantized to Q8_0 and back, so products and block sums are exact in floats, as decoding's
     * integer ones.
     */
    @Override
    public void matmul(Workers workers, float[] x, int n, int xStride, float[] out, int outStride) {
        if (packed == null || n == 1) {
            super.matmul(workers, x, n, xStride, out, outStride);
            return;
        }
        float[] xt = quantized ? new float[n * cols] : x;
        int stride = quantized ? cols : xStride;
        if (quantized) {
            for (int t = 0; t < n; t++) new Q8Activations(x, t * xStride, cols).dequantize(xt, t * cols);
        }
        workers.parallelFor(rows / GROUP, 1, (from, to) -> {
            float[] w = scratch(GROUP * cols);
            for (int g = from; g < to; g++) {
                dequantizeGroup(g, w);
                int t = 0;
                for (; t + 4 <= n; t += 4) group4(w, xt, t * stride, stride, out, t * outStride + g * GROUP, outStride);
                for (; t < n; t++) group1(w, xt, t * stride, out, t * outStride + g * GROUP);
            }
        });
    }

    /** Rows [32g, 32g+32) as floats, column-major: w[32k + lane] is column k of row 32g+lane. */
    private void dequantizeGroup(int g, float[] w) {
        int blocks = cols / 32;
        long blk = groupBase(g);
        for (int b = 0; b < blocks; b++, blk += GROUP_BLOCK) {
            FloatVector d0 = FloatVector.fromMemorySegment(F512, packed, blk, LE);
            FloatVector d1 = FloatVector.fromMemorySegment(F512, packed, blk + 64, LE);
            for (int j = 0; j < 16; j++) {
                ShortVector q = quantBytes(blk, j);
                ShortVector lo = q.and((short) 0xf).sub((short) 8), hi = q.lanewise(VectorOperators.LSHR, 4).sub((short) 8);
                int l = (32 * b + j) * GROUP, h = (32 * b + j + 16) * GROUP;
                ((FloatVector) lo.convertShape(VectorOperators.S2F, F512, 0)).mul(d0).intoArray(w, l);
                ((FloatVector) lo.convertShape(VectorOperators.S2F, F512, 1)).mul(d1).intoArray(w, l + 16);
                ((FloatVector) hi.convertShape(VectorOperators.S2F, F512, 0)).mul(d0).intoArray(w, h);
                ((FloatVector) hi.convertShape(VectorOperators.S2F, F512, 1)).mul(d1).intoArray(w, h + 16);
            }
        }
    }

    /** A dequantized group (see {@link #dequantizeGroup}) times four tokens' activations (x at xOff + t*xStride). */
    private void group4(float[] w, float[] x, int xOff, int xStride, float[] out, int outOff, int outStride) {
        FloatVector c00 = FloatVector.zero(F512), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00, c30 = c00, c31 = c00;
        int x0 = xOff, x1 = xOff + xStride, x2 = xOff + 2 * xStride, x3 = xOff + 3 * xStride;
        for (int k = 0; k < cols; k++) {
            FloatVector w0 = FloatVector.fromArray(F512, w, k * GROUP), w1 = FloatVector.fromArray(F512, w, k * GROUP + 16);
            FloatVector b = FloatVector.broadcast(F512, x[x0 + k]);
            c00 = w0.fma(b, c00); c01 = w1.fma(b, c01);
            b = FloatVector.broadcast(F512, x[x1 + k]);
            c10 = w0.fma(b, c10); c11 = w1.fma(b, c11);
            b = FloatVector.broadcast(F512, x[x2 + k]);
            c20 = w0.fma(b, c20); c21 = w1.fma(b, c21);
            b = FloatVector.broadcast(F512, x[x3 + k]);
            c30 = w0.fma(b, c30); c31 = w1.fma(b, c31);
        }
        c00.intoArray(out, outOff); c01.intoArray(out, outOff + 16);
        c10.intoArray(out, outOff + outStride); c11.intoArray(out, outOff + outStride + 16);
        c20.intoArray(out, outOff + 2 * outStride); c21.intoArray(out, outOff + 2 * outStride + 16);
        c30.intoArray(out, outOff + 3 * outStride); c31.intoArray(out, outOff + 3 * outStride + 16);
    }

    private void group1(float[] w, float[] x, int xOff, float[] out, int outOff) {
        FloatVector c0 = FloatVector.zero(F512), c1 = c0;
        for (int k = 0; k < cols; k++) {
            FloatVector b = FloatVector.broadcast(F512, x[xOff + k]);
            c0 = FloatVector.fromArray(F512, w, k * GROUP).fma(b, c0);
            c1 = FloatVector.fromArray(F512, w, k * GROUP + 16).fma(b, c1);
        }
        c0.intoArray(out, outOff);
        c1.intoArray(out, outOff + 16);
    }

    /** Byte j of every row of the group's block at {@code blk}, zero-extended to 16-bit lanes. */
    private ShortVector quantBytes(long blk, int j) {
        return (ShortVector) ByteVector.fromMemorySegment(B32, packed, quants(blk, j), LE)
                .convertShape(VectorOperators.ZERO_EXTEND_B2S, S, 0);
    }

    /** acc + (half {@code part} of the block's integer sums) * row scales * activation scale. */
    private static FloatVector scaled(ShortVector s, int part, FloatVector dw, float dx, FloatVector acc) {
        return ((FloatVector) s.convertShape(VectorOperators.S2F, F512, part)).mul(dw).fma(FloatVector.broadcast(F512, dx), acc);
    }

    /**
     * Rows [32g, 32g+32) times float activations into out[o .. o+32): 16 rows per vector, the
     * nibbles as they are (0..15) with the offset applied per block through the block sum of x,
     * low and high nibbles in separate accumulators so four FMA chains run side by side.
     */
    private void dotGroup(int g, float[] x, int xOff, float[] xs, float[] out, int o) {
        int blocks = cols / 32;
        long blk = groupBase(g);
        FloatVector acc0 = FloatVector.zero(F512), acc1 = acc0;
        for (int b = 0; b < blocks; b++, blk += GROUP_BLOCK) {
            FloatVector a0 = FloatVector.zero(F512), a1 = a0, h0 = a0, h1 = a0;
            int xi = xOff + 32 * b;
            for (int j = 0; j < 16; j++) {
                long q = quants(blk, j);
                IntVector v0 = (IntVector) ByteVector.fromMemorySegment(ByteVector.SPECIES_128, packed, q, LE).convertShape(VectorOperators.ZERO_EXTEND_B2I, I512, 0);
                IntVector v1 = (IntVector) ByteVector.fromMemorySegment(ByteVector.SPECIES_128, packed, q + 16, LE).convertShape(VectorOperators.ZERO_EXTEND_B2I, I512, 0);
                FloatVector xl = FloatVector.broadcast(F512, x[xi + j]), xh = FloatVector.broadcast(F512, x[xi + j + 16]);
                a0 = ((FloatVector) v0.and(0xf).convert(VectorOperators.I2F, 0)).fma(xl, a0);
                a1 = ((FloatVector) v1.and(0xf).convert(VectorOperators.I2F, 0)).fma(xl, a1);
                h0 = ((FloatVector) v0.lanewise(VectorOperators.LSHR, 4).convert(VectorOperators.I2F, 0)).fma(xh, h0);
                h1 = ((FloatVector) v1.lanewise(VectorOperators.LSHR, 4).convert(VectorOperators.I2F, 0)).fma(xh, h1);
            }
            FloatVector corr = FloatVector.broadcast(F512, 8 * xs[b]);
            acc0 = a0.add(h0).sub(corr).fma(FloatVector.fromMemorySegment(F512, packed, blk, LE), acc0);
            acc1 = a1.add(h1).sub(corr).fma(FloatVector.fromMemorySegment(F512, packed, blk + 64, LE), acc1);
        }
        acc0.intoArray(out, o);
        acc1.intoArray(out, o + 16);
    }

    /** Rows [32g, 32g+32) times the quantized activations into out[o .. o+32), 32 rows per 16-bit vector. */
    private void dotGroup(int g, Q8Activations a, float[] out, int o) {
        int blocks = cols / 32;
        long blk = groupBase(g);
        short[] xq = a.q;
        FloatVector acc0 = FloatVector.zero(F512), acc1 = acc0;
        for (int b = 0; b < blocks; b++, blk += GROUP_BLOCK) {
            // |(q-8) * xq| <= 8 * 127, so 32 of them fit a 16-bit lane (32,512)
            ShortVector s = ShortVector.zero(S);
            int xi = 32 * b;
            for (int j = 0; j < 16; j++) {
                ShortVector w = quantBytes(blk, j);
                s = s.add(w.and((short) 0xf).sub((short) 8).mul(xq[xi + j]))
                        .add(w.lanewise(VectorOperators.LSHR, 4).sub((short) 8).mul(xq[xi + j + 16]));
            }
            acc0 = scaled(s, 0, FloatVector.fromMemorySegment(F512, packed, blk, LE), a.d[b], acc0);
            acc1 = scaled(s, 1, FloatVector.fromMemorySegment(F512, packed, blk + 64, LE), a.d[b], acc1);
        }
        acc0.intoArray(out, o);
        acc1.intoArray(out, o + 16);
    }

    /**
     * x quantized as llama.cpp's Q8_0 does for a Q4_0 product (its x86 SIMD quantizer): per block
     * of 32, d = max|x| / 127 (kept at half precision) and q = x * 127 / max|x| rounded to nearest, ties to even.
     */
    static final class Q8Activations {
        final short[] q;
        final float[] d;

        Q8Activations(float[] x, int xOff, int cols) {
            q = new short[cols];
            d = new float[cols / 32];
            for (int b = 0; b < d.length; b++) {
                int xi = xOff + 32 * b;
                FloatVector v0 = FloatVector.fromArray(F512, x, xi), v1 = FloatVector.fromArray(F512, x, xi + 16);
                float amax = v0.abs().max(v1.abs()).reduceLanes(VectorOperators.MAX);
                float inv = amax != 0 ? 127 / amax : 0;
                d[b] = Float.float16ToFloat(Float.floatToFloat16(amax / 127));
                round(v0.mul(inv)).intoArray(q, 32 * b);
                round(v1.mul(inv)).intoArray(q, 32 * b + 16);
            }
        }

        /**
         * To the nearest integer, ties to even, as 16-bit lanes: adding and subtracting 1.5 * 2^23
         * leaves the integer part rounded by the FPU's default mode (|v| <= 127 here).
         */
        private static ShortVector round(FloatVector v) {
            FloatVector r = v.add(ROUNDER).sub(ROUNDER);
            return (ShortVector) r.convertShape(VectorOperators.F2S, ShortVector.SPECIES_256, 0);
        }

        private static final float ROUNDER = 12582912f;

        /** q * d into out[off .. off+cols). */
        void dequantize(float[] out, int off) {
            for (int b = 0; b < d.length; b++) {
                for (int p = 0; p < 32; p += 16) {
                    ((FloatVector) ShortVector.fromArray(ShortVector.SPECIES_256, q, 32 * b + p).convertShape(VectorOperators.S2F, F512, 0))
                            .mul(d[b]).intoArray(out, off + 32 * b + p);
                }
            }
        }
    }

    private float dotRow(long base, float[] x, int xOff, float[] xs) {
        FloatVector acc = FloatVector.zero(F);
        float corr = 0;
        for (int b = 0; b < cols / 32; b++) {
            long blk = base + 18L * b;
            int xi = xOff + 32 * b;
            ByteVector q = ByteVector.fromMemorySegment(ByteVector.SPECIES_128, data, blk + 2, LE);
            FloatVector s = FloatVector.zero(F);
            for (int p = 0; p < 16 / L; p++) {
                // zero-extended, the high nibble needs no mask after the shift
                IntVector v = (IntVector) q.convertShape(VectorOperators.ZERO_EXTEND_B2I, I, p);
                s = ((FloatVector) v.and(0xf).convert(VectorOperators.I2F, 0)).fma(FloatVector.fromArray(F, x, xi + p * L), s);
                s = ((FloatVector) v.lanewise(VectorOperators.LSHR, 4).convert(VectorOperators.I2F, 0)).fma(FloatVector.fromArray(F, x, xi + 16 + p * L), s);
            }
            float d = f16(data, blk);
            acc = s.fma(FloatVector.broadcast(F, d), acc);
            corr += d * xs[b];
        }
        return sum(acc) - 8 * corr;
    }
}
