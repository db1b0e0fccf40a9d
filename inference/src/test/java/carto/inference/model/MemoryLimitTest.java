package carto.inference.model;

import carto.inference.Fixtures;
import carto.inference.gguf.GgufException;
import org.junit.jupiter.api.Test;

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

    @Test
    void aContextTooLargeForTheHeapIsRefused() {
        try (Model m = Model.load(Fixtures.fixture("models/synthetic-llama-dscoder-q4_0.gguf"), 1)) {
            ContextOverflowException e = assertThrows(ContextOverflowException.class, () -> m.newCache(1 << 30));
            assertTrue(e.getMessage().contains("KV cache") && e.getMessage().contains("--ctx"), e.getMessage());
        }
    }
}
