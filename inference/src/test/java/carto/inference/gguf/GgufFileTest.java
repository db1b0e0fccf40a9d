package carto.inference.gguf;

import carto.inference.Fixtures;
import carto.inference.kv.KvCache;
import carto.inference.model.Model;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Reading, writing, and every way a GGUF file can be broken. */
class GgufFileTest {
    @TempDir
    Path tmp;

    @Test
    void writerRoundTripsMetadataAndTensors() throws IOException {
        Path src = Fixtures.fixture("models/stories260K-f32.gguf");
        Path copy = tmp.resolve("copy.gguf");
        try (GgufFile f = GgufFile.open(src)) {
            GgufWriter w = GgufWriter.copyMetadata(f);
            for (GgufTensor t : f.tensors()) w.addTensor(t.name(), t.type(), t.dims(), f.data(t));
            w.write(copy);
            try (GgufFile g = GgufFile.open(copy)) {
                assertEquals(3, g.version());
                assertEquals(f.metadata().keySet(), g.metadata().keySet());
                assertArrayEquals(f.getStrings("tokenizer.ggml.tokens"), g.getStrings("tokenizer.ggml.tokens"));
                assertArrayEquals(f.getFloats("tokenizer.ggml.scores"), g.getFloats("tokenizer.ggml.scores"));
                assertEquals(f.getInt("llama.block_count", 0), g.getInt("llama.block_count", -1));
                for (GgufTensor t : f.tensors()) {
                    GgufTensor u = g.tensor(t.name());
                    assertArrayEquals(t.dims(), u.dims());
                    assertArrayEquals(f.data(t).toArray(ValueLayout.JAVA_BYTE), g.data(u).toArray(ValueLayout.JAVA_BYTE), t.name());
                    assertEquals(0, (g.dataStart() + u.offset()) % g.alignment());
                }
            }
        }
        assertTrue(Files.isReadable(copy));
        try (Model m = Model.load(copy, 1)) {
            KvCache c = m.newCache(16);
            assertEquals(512, m.forward(c, new int[]{1, 400}, 0, false).length);
        }
    }

    @Test
    void clearErrorsForBrokenFiles() throws IOException {
        byte[] good = Files.readAllBytes(Fixtures.fixture("models/stories260K-q8_0.gguf"));

        assertMessage(write("missing.gguf", null), "no such file");
        assertMessage(write("empty.gguf", new byte[0]), "too short");
        assertMessage(write("text.gguf", "hello, this is not a model at all".getBytes()), "not a GGUF file");
        byte[] ggml = good.clone();
        ByteBuffer.wrap(ggml).order(ByteOrder.LITTLE_ENDIAN).putInt(0, 0x67676a74);
        assertMessage(write("ggjt.gguf", ggml), "pre-GGUF");
        byte[] v1 = good.clone();
        ByteBuffer.wrap(v1).order(ByteOrder.LITTLE_ENDIAN).putInt(4, 1);
        assertMessage(write("v1.gguf", v1), "version 1");
        byte[] v9 = good.clone();
        ByteBuffer.wrap(v9).order(ByteOrder.LITTLE_ENDIAN).putInt(4, 9);
        assertMessage(write("v9.gguf", v9), "unsupported GGUF version 9");
        assertMessage(write("truncated-header.gguf", Arrays.copyOf(good, 300)), "truncated");
        assertMessage(write("truncated-data.gguf", Arrays.copyOf(good, good.length - 1000)), "truncated");
        byte[] hugeCount = good.clone();
        ByteBuffer.wrap(hugeCount).order(ByteOrder.LITTLE_ENDIAN).putLong(8, Long.MAX_VALUE / 2);
        assertMessage(write("count.gguf", hugeCount), "tensor count");
        assertThrows(GgufException.class, () -> GgufFile.open(tmp));
    }

    @Test
    void clearErrorsForUnsupportedModels() throws IOException {
        Path src = Fixtures.fixture("models/stories260K-f32.gguf");
        try (GgufFile f = GgufFile.open(src)) {
            GgufWriter w = GgufWriter.copyMetadata(f).putString("general.architecture", "mamba");
            for (GgufTensor t : f.tensors()) w.addTensor(t.name(), t.type(), t.dims(), f.data(t));
            Path p = tmp.resolve("mamba.gguf");
            w.write(p);
            GgufException e = assertThrows(GgufException.class, () -> Model.load(p, 1));
            assertTrue(e.getMessage().contains("architecture 'mamba' is not supported"), e.getMessage());
            assertTrue(e.getMessage().contains(p.toString()), e.getMessage());

            GgufWriter bad = GgufWriter.copyMetadata(f);
            for (GgufTensor t : f.tensors()) {
                long[] dims = t.name().equals("blk.0.attn_q.weight") ? new long[]{64, 32} : t.dims();
                MemorySegment data = t.name().equals("blk.0.attn_q.weight") ? f.data(t).asSlice(0, 64 * 32 * 4) : f.data(t);
                bad.addTensor(t.name(), t.type(), dims, data);
            }
            Path q = tmp.resolve("shape.gguf");
            bad.write(q);
            e = assertThrows(GgufException.class, () -> Model.load(q, 1));
            assertTrue(e.getMessage().contains("inconsistent shapes"), e.getMessage());

            GgufWriter noTok = new GgufWriter();
            f.metadata().values().stream().filter(kv -> !kv.key().startsWith("tokenizer.")).forEach(noTok::put);
            for (GgufTensor t : f.tensors()) noTok.addTensor(t.name(), t.type(), t.dims(), f.data(t));
            Path r = tmp.resolve("notok.gguf");
            noTok.write(r);
            e = assertThrows(GgufException.class, () -> Model.load(r, 1));
            assertTrue(e.getMessage().contains("has no tokenizer"), e.getMessage());
        }
    }

    /** Random byte flips, truncations and field overwrites must end in a GgufException or a usable file, never another exception. */
    @Test
    void fuzzedFilesFailCleanly() throws IOException {
        byte[] good = Files.readAllBytes(Fixtures.fixture("models/stories260K-q8_0.gguf"));
        int headerEnd;
        try (GgufFile f = GgufFile.open(Fixtures.fixture("models/stories260K-q8_0.gguf"))) {
            headerEnd = (int) f.dataStart();
        }
        Random rnd = new Random(1234);
        int clean = 0, rejected = 0;
        for (int i = 0; i < 400; i++) {
            byte[] b = good.clone();
            switch (i % 4) {
                case 0 -> { for (int k = 0; k < 1 + rnd.nextInt(8); k++) b[rnd.nextInt(headerEnd)] = (byte) rnd.nextInt(256); }
                case 1 -> b = Arrays.copyOf(b, rnd.nextInt(b.length));
                case 2 -> {
                    int pos = rnd.nextInt(headerEnd - 8) & ~7;
                    ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putLong(pos, rnd.nextLong());
                }
                default -> {
                    int pos = rnd.nextInt(headerEnd - 4);
                    ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putInt(pos, rnd.nextBoolean() ? -1 : rnd.nextInt(64));
                }
            }
            try (GgufFile f = GgufFile.parse(Path.of("fuzz-" + i + ".gguf"), null, MemorySegment.ofArray(b))) {
                try {
                    carto.inference.model.ModelConfig.from(f);
                    carto.inference.tokenizer.Vocabulary.from(f);
                } catch (GgufException e) {
                    assertTrue(e.getMessage().startsWith("fuzz-" + i + ".gguf: "), e.getMessage());
                }
                clean++;
            } catch (GgufException e) {
                assertTrue(e.getMessage().startsWith("fuzz-" + i + ".gguf: "), "error must name the file: " + e.getMessage());
                rejected++;
            }
        }
        assertTrue(rejected > 100, "most mutations must be detected, rejected " + rejected);
        assertEquals(400, clean + rejected);
    }

    private Path write(String name, byte[] content) throws IOException {
        Path p = tmp.resolve(name);
        if (content != null) Files.write(p, content);
        return p;
    }

    private static void assertMessage(Path p, String fragment) {
        GgufException e = assertThrows(GgufException.class, () -> GgufFile.open(p).close());
        assertTrue(e.getMessage().contains(fragment), "expected '" + fragment + "' in: " + e.getMessage());
        assertTrue(e.getMessage().startsWith(p.toString()), "must name the file: " + e.getMessage());
    }
}
