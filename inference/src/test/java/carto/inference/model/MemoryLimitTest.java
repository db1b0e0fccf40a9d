package carto.inference.model;

import carto.inference.Fixtures;
import carto.inference.gguf.GgufException;
import carto.inference.tensor.Q4_0Matrix;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A model or a context that cannot fit is refused with the numbers and what to do, before anything is allocated. */
class MemoryLimitTest {
    @Test
    void aModelLargerThanMemoryIsRefused() {
        System.setProperty("carto.physicalMemory", "1000000");
        try {
            GgufException e = assertThrows(GgufException.class, () -> Model.load(Fixtures.fixture("models/synthetic-llama-dscoder-q8_0.gguf"), 1));
            assertTrue(e.getMessage().contains("synthetic-llama-dscoder-q8_0.gguf"), e.getMessage());
            assertTrue(e.getMessage().contains("larger than this machine's memory"), e.getMessage());
        } finally {
            System.clearProperty("carto.physicalMemory");
        }
    }

    /**
     * Q4_0's repacked copy is native memory under the JVM's -XX:MaxDirectMemorySize: where it does
     * not fit, the model loads on the row-major kernel and computes the same next token.
     */
    @Test
    void aRepackedCopyThatDoesNotFitLeavesTheRowMajorKernel() throws Exception {
        Assumptions.assumeTrue(Q4_0Matrix.repackingAvailable(), "Q4_0 is repacked only on machines with 512-bit vectors");
        Path model = Fixtures.fixture("models/synthetic-llama-dscoder-q4_0.gguf");
        assertEquals("repacked=true next=" + nextToken(model), run(model, "-XX:MaxDirectMemorySize=1g"));
        assertEquals("repacked=false next=" + nextToken(model), run(model, "-XX:MaxDirectMemorySize=64k"));
    }

    /** `carto model info`'s estimate counts the repacked copies a load makes, exactly. */
    @Test
    void theMemoryEstimateCountsRepackedCopies() {
        long q4Rest, q8Rest, copies;
        try (Model m = Model.load(Fixtures.fixture("models/synthetic-llama-dscoder-q4_0.gguf"), 1)) {
            copies = m.weights().matrices().stream()
                    .mapToLong(w -> w.byteSize() != m.file().tensor(w.name()).byteSize() ? w.byteSize() : 0).sum();
            q4Rest = Model.memoryEstimate(m.file(), m.config(), 64, 256) - m.file().fileSize() - copies;
        }
        try (Model m = Model.load(Fixtures.fixture("models/synthetic-llama-dscoder-q8_0.gguf"), 1)) {
            q8Rest = Model.memoryEstimate(m.file(), m.config(), 64, 256) - m.file().fileSize();
        }
        assertEquals(Q4_0Matrix.repackingAvailable(), copies > 0, "Q4_0 repacked on this machine");
        assertEquals(q8Rest, q4Rest, "same shape, same KV cache and activations: the estimates differ by the file and the copies only");
    }

    private static int nextToken(Path model) {
        try (Model m = Model.load(model, 1)) {
            return ReferenceParityTest.argmax(m.forward(m.newCache(8), new int[]{1, 2, 3}, 0, false));
        }
    }

    private static String run(Path model, String cap) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        cmd.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments());
        cmd.addAll(List.of(cap, "-cp", System.getProperty("java.class.path"), RepackFallbackMain.class.getName(), model.toString()));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "the child JVM did not finish");
        assertEquals(0, p.exitValue(), out);
        return out.lines().filter(l -> l.startsWith("repacked=")).findFirst().orElse(out);
    }

    @Test
    void aContextTooLargeForTheHeapIsRefused() {
        try (Model m = Model.load(Fixtures.fixture("models/synthetic-llama-dscoder-q4_0.gguf"), 1)) {
            ContextOverflowException e = assertThrows(ContextOverflowException.class, () -> m.newCache(1 << 30));
            assertTrue(e.getMessage().contains("KV cache") && e.getMessage().contains("--ctx"), e.getMessage());
        }
    }
}
