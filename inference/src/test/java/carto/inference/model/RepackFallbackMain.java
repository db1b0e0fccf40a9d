package carto.inference.model;

import carto.inference.kv.KvCache;

import java.nio.file.Path;

/** Run in a JVM of its own by {@link MemoryLimitTest}: loads a model and prints its matrices' layout and the next token. */
public final class RepackFallbackMain {
    public static void main(String[] args) {
        try (Model m = Model.load(Path.of(args[0]), 1)) {
            long mapped = m.file().tensor("output.weight").byteSize();
            KvCache cache = m.newCache(8);
            float[] logits = m.forward(cache, new int[]{1, 2, 3}, 0, false);
            System.out.println("repacked=" + (m.weights().output.byteSize() != mapped) + " next=" + ReferenceParityTest.argmax(logits));
        }
    }
}
