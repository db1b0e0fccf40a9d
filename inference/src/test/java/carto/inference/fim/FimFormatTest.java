package carto.inference.fim;

import carto.inference.Fixtures;
import carto.inference.gguf.GgufFile;
import carto.inference.lm.FimRequest;
import carto.inference.tokenizer.Tokenizer;
import carto.inference.tokenizer.Vocabulary;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** FIM prompts assembled from the model's own tokens equal llama.cpp's tokenization of the FIM reference prompts. */
class FimFormatTest {
    @ParameterizedTest
    @CsvSource({"synthetic-llama-dscoder-q8_0,deepseek-coder", "synthetic-qwen2-fim-e256-q8_0,qwen2.5-coder"})
    void promptMatchesReferenceTokens(String model, String family) throws Exception {
        JsonNode ref = new ObjectMapper().readTree(Fixtures.fixture("reference/" + model + ".json").toFile());
        JsonNode fimPrompt = null;
        for (JsonNode p : ref.get("prompts")) if (p.get("name").asText().equals("fim")) fimPrompt = p;
        try (GgufFile f = GgufFile.open(Fixtures.fixture("models/" + model + ".gguf"))) {
            Vocabulary v = Vocabulary.from(f);
            FimFormat fim = FimFormat.of(v).orElseThrow();
            assertEquals(family, fim.family());
            Tokenizer tok = Tokenizer.of(v);
            int[] ours = fim.prompt(tok, FimRequest.of(fimPrompt.get("fim").get("prefix").asText(), fimPrompt.get("fim").get("suffix").asText()));
            int[] want = new int[fimPrompt.get("token_ids").size()];
            for (int i = 0; i < want.length; i++) want[i] = fimPrompt.get("token_ids").get(i).asInt();
            assertArrayEquals(want, ours);
            assertTrue(fim.isStop(v.eos));
            assertTrue(fim.isStop(fim.middle()));
            // repository context: Qwen uses <|repo_name|>/<|file_sep|>, DeepSeek a comment block in the prefix
            int[] withContext = fim.prompt(tok, new FimRequest("int x = ", ";", "src/A.java", "demo",
                    List.of(new FimRequest.ContextFile("src/B.java", "class B {}"))));
            String text = tok.decode(withContext, true);
            assertTrue(text.contains("class B {}"), text);
            if (family.equals("qwen2.5-coder")) {
                assertTrue(text.startsWith("<|repo_name|>demo\n<|file_sep|>src/B.java\nclass B {}\n<|file_sep|>src/A.java\n<|fim_prefix|>int x = "), text);
            } else {
                assertTrue(text.contains("<｜fim▁begin｜>// File: src/B.java\nclass B {}\n// File: src/A.java\nint x = <｜fim▁hole｜>;<｜fim▁end｜>"), text);
            }
        }
    }
}
