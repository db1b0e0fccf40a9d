package carto.inference.gguf;

/**
 * One tensor described in a GGUF header. {@code dims[0]} is the fastest-varying (row length);
 * {@code offset} is relative to the start of the data section.
 */
public record GgufTensor(String name, long[] dims, GgmlType type, long offset) {
    public long elements() {
        long n = 1;
        for (long d : dims) n = Math.multiplyExact(n, d);
        return n;
    }

    public long byteSize() {
        return type.bytesFor(elements());
    }

    /** Number of rows when viewed as a matrix of {@code dims[0]}-wide rows. */
    public long rows() {
        return elements() / dims[0];
    }

    public String shape() {
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < dims.length; i++) sb.append(i == 0 ? "" : ", ").append(dims[i]);
        return sb.append(']').toString();
    }
}
