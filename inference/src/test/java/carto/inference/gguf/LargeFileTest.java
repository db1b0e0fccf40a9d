package carto.inference.gguf;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.RandomAccessFile;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Files larger than 2 GiB: tensors past the 2^31 byte mark are read through 64-bit segment offsets. */
class LargeFileTest {
    @TempDir
    Path tmp;

    @Test
    void tensorsBeyondTwoGibibytesReadCorrectly() throws Exception {
        long bigElements = 600L * 1024 * 1024; // 2.34 GiB of F32 zeros, written as a sparse hole
        Path zeros = tmp.resolve("zeros.bin");
        try (RandomAccessFile f = new RandomAccessFile(zeros.toFile(), "rw")) {
            f.setLength(bigElements * 4);
        }
        float[] tail = {1.5f, -2.25f, 3.0f, 4.75f, -0.5f, 6.0f, 7.25f, -8.0f};
        Path out = tmp.resolve("large.gguf");
        try (Arena arena = Arena.ofConfined(); FileChannel ch = FileChannel.open(zeros)) {
            MemorySegment big = ch.map(FileChannel.MapMode.READ_ONLY, 0, bigElements * 4, arena);
            new GgufWriter().putString("general.architecture", "test")
                    .addTensor("big", GgmlType.F32, new long[]{1024, bigElements / 1024}, big)
                    .addTensor("tail", GgmlType.F32, new long[]{tail.length}, MemorySegment.ofArray(tail))
                    .write(out);
        }
        assertTrue(Files.size(out) > (1L << 31));
        try (GgufFile g = GgufFile.open(out)) {
            GgufTensor t = g.tensor("tail");
            assertTrue(g.dataStart() + t.offset() > Integer.MAX_VALUE, "the tensor lies beyond 2 GiB");
            MemorySegment data = g.data(t);
            for (int i = 0; i < tail.length; i++) {
                assertEquals(tail[i], data.get(ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 4L * i));
            }
            assertEquals(0f, g.data(g.tensor("big")).get(ValueLayout.JAVA_FLOAT_UNALIGNED, bigElements * 4 - 4));
        }
    }
}
