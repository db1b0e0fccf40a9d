package carto.inference.convert;

import carto.inference.Fixtures;
import carto.inference.gguf.GgmlType;
import carto.inference.gguf.GgufException;
import carto.inference.gguf.GgufFile;
import carto.inference.gguf.GgufTensor;
import carto.inference.kv.KvCache;
import carto.inference.model.Model;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Quantizing with Carto gives byte-for-byte the tensors llama-quantize wrote for the fixtures. */
class ModelQuantizerTest {
    @TempDir
    Path tmp;

    @Test
    void q8_0AndQ4_0AreByteIdenticalToLlamaQuantize() throws Exception {
        // the dscoder F16 file holds exactly the master weights the Q8_0/Q4_0 fixtures were quantized from
        for (GgmlType type : new GgmlType[]{GgmlType.Q8_0, GgmlType.Q4_0}) {
            Path out = tmp.resolve("dscoder-" + type + ".gguf");
            ModelQuantizer.quantize(Fixtures.fixture("models/synthetic-llama-dscoder-f16.gguf"), out, type, false, null);
            Path reference = Fixtures.fixture("models/synthetic-llama-dscoder-" + type.name().toLowerCase() + ".gguf");
            try (GgufFile ours = GgufFile.open(out); GgufFile ref = GgufFile.open(reference)) {
                assertEquals(ref.tensors().size(), ours.tensors().size());
                for (GgufTensor rt : ref.tensors()) {
                    GgufTensor ot = ours.tensor(rt.name());
                    assertEquals(rt.type(), ot.type(), rt.name());
                    assertArrayEquals(ref.data(rt).toArray(ValueLayout.JAVA_BYTE), ours.data(ot).toArray(ValueLayout.JAVA_BYTE),
                            type + " bytes of " + rt.name() + " differ from llama-quantize");
                }
                assertEquals(ModelQuantizer.fileType(type), ours.getInt("general.file_type", -1));
            }
        }
    }

    @Test
    void storiesQ8_0FallsBackToF16WhereRowsDoNotFitLikeLlamaQuantize() throws Exception {
        Path out = tmp.resolve("stories-q8.gguf");
        List<ModelQuantizer.Change> changes = ModelQuantizer.quantize(Fixtures.fixture("models/stories260K-f32.gguf"), out, GgmlType.Q8_0, false, null);
        assertTrue(changes.stream().anyMatch(c -> c.tensor().endsWith("ffn_down.weight") && c.to() == GgmlType.F16));
        try (GgufFile ours = GgufFile.open(out); GgufFile ref = GgufFile.open(Fixtures.fixture("models/stories260K-q8_0.gguf"))) {
            for (GgufTensor rt : ref.tensors()) {
                GgufTensor ot = ours.tensor(rt.name());
                if (rt.type() == GgmlType.Q8_0 && ot.type() == GgmlType.Q8_0) {
                    assertArrayEquals(ref.data(rt).toArray(ValueLayout.JAVA_BYTE), ours.data(ot).toArray(ValueLayout.JAVA_BYTE), rt.name());
                }
            }
        }
        try (Model m = Model.load(out, 1)) {
            KvCache cache = m.newCache(32);
            float[] logits = m.forward(cache, m.tokenizer().encode("Once upon a time"), 0, false);
            assertEquals(512, logits.length);
        }
    }

    @Test
    void refusesToRequantizeWithoutPermission() {
        GgufException e = assertThrows(GgufException.class, () ->
                ModelQuantizer.quantize(Fixtures.fixture("models/synthetic-llama-dscoder-q8_0.gguf"), tmp.resolve("x.gguf"), GgmlType.Q4_0, false, null));
        assertTrue(e.getMessage().contains("already quantized"), e.getMessage());
        assertTrue(e.getMessage().contains("--allow-requantize"), e.getMessage());
    }
}
