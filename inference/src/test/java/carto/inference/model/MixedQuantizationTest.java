package carto.inference.model;

import carto.inference.Fixtures;
import carto.inference.gguf.GgmlType;
import carto.inference.gguf.GgufFile;
import carto.inference.gguf.GgufTensor;
import carto.inference.gguf.GgufWriter;
import carto.inference.tensor.WeightMatrix;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A model mixing weight types the way a Q4_K_M file does (Q5_0, Q4_K, Q6_K, Q8_0) loads and runs,
 * and its logits equal those of the same weights dequantized to F32.
 */
class MixedQuantizationTest {
    @TempDir
    Path tmp;

    @Test
    void mixedTypesLoadAndAgreeWithTheirF32Dequantization() throws Exception {
        Map<String, String> source = Map.of("attn", "q5_0", "ffn_gate", "q4_k", "ffn_up", "q4_k", "ffn_down", "q6_k", "token_embd", "q8_0", "output", "q6_k");
        Path mixed = tmp.resolve("mixed.gguf"), f32 = tmp.resolve("mixed-f32.gguf");
        try (GgufFile base = GgufFile.open(Fixtures.fixture("models/synthetic-llama-dscoder-q8_0.gguf"))) {
            GgufWriter wm = GgufWriter.copyMetadata(base), wf = GgufWriter.copyMetadata(base);
            java.util.List<GgufFile> opened = new java.util.ArrayList<>();
            try {
                for (GgufTensor t : base.tensors()) {
                    String key = source.keySet().stream().filter(k -> t.name().contains(k)).findFirst().orElse(null);
                    GgufFile from = base;
                    if (key != null && t.dims().length == 2) {
                        from = GgufFile.open(Fixtures.fixture("models/synthetic-llama-dscoder-" + source.get(key) + ".gguf"));
                        opened.add(from);
                    }
                    GgufTensor ft = from.tensor(t.name());
                    wm.addTensor(t.name(), ft.type(), ft.dims(), from.data(ft));
                    if (t.dims().length == 2) {
                        int rows = (int) ft.rows(), cols = (int) ft.dims()[0];
                        WeightMatrix m = WeightMatrix.of(ft.name(), ft.type(), rows, cols, from.data(ft));
                        float[] all = new float[rows * cols];
                        for (int r = 0; r < rows; r++) m.dequantizeRow(r, all, r * cols);
                        wf.addTensor(t.name(), GgmlType.F32, ft.dims(), MemorySegment.ofArray(all));
                    } else {
                        wf.addTensor(t.name(), ft.type(), ft.dims(), from.data(ft));
                    }
                }
                wm.write(mixed);
                wf.write(f32);
            } finally {
                opened.forEach(GgufFile::close);
            }
        }
        try (Model m = Model.load(mixed, 2); Model r = Model.load(f32, 2)) {
            assertEquals(GgmlType.Q5_0, m.weights().layers[0].wq().type());
            assertEquals(GgmlType.Q4_K, m.weights().layers[0].gate().type());
            assertEquals(GgmlType.Q6_K, m.weights().layers[1].down().type());
            assertEquals(GgmlType.Q8_0, m.weights().tokenEmbedding.type());
            assertEquals(GgmlType.Q6_K, m.weights().output.type());
            int[] ids = m.tokenizer().encode("def fib(n):\n    return n");
            float[] a = m.forward(m.newCache(64), ids, 0, false), b = r.forward(r.newCache(64), ids, 0, false);
            double max = 0;
            for (int i = 0; i < a.length; i++) {
                assertTrue(Float.isFinite(a[i]));
                max = Math.max(max, Math.abs(a[i] - b[i]));
            }
            assertTrue(max < 1e-3, "mixed-type kernels vs F32 of the same weights: " + max);
        }
    }
}
