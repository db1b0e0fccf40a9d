package carto.inference.tokenizer;

import carto.inference.Fixtures;
import carto.inference.gguf.GgufFile;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

/** llama.cpp's own tokenizer test vectors (tests/test-tokenizer-0), reproduced exactly for every vocabulary. */
class TokenizerVectorsTest {
    @ParameterizedTest
    @ValueSource(strings = {"qwen2", "deepseek-coder", "starcoder", "refact", "llama-spm", "phi-3", "llama-bpe", "gpt-2"})
    void reproducesLlamaCppVectors(String vocabName) throws IOException {
        Path gguf = Fixtures.fixture("tokenizers/ggml-vocab-" + vocabName + ".gguf");
        String inp = Files.readString(Path.of(gguf + ".inp"), StandardCharsets.UTF_8);
        List<String> expected = Files.readAllLines(Path.of(gguf + ".out"), StandardCharsets.UTF_8);
        String[] pieces = inp.split("\n__ggml_vocab_test__\n", -1);
        List<String> inputs = new ArrayList<>(Arrays.asList(pieces).subList(0, pieces.length - 1));
        assertEquals(expected.size(), inputs.size(), "one expected line per input");
        try (GgufFile f = GgufFile.open(gguf)) {
            Tokenizer tok = Tokenizer.of(Vocabulary.from(f));
            List<String> failures = new ArrayList<>();
            for (int i = 0; i < inputs.size(); i++) {
                String line = expected.get(i).strip();
                int[] want = line.isEmpty() ? new int[0] : Arrays.stream(line.split(" ")).mapToInt(Integer::parseInt).toArray();
                int[] got = tok.encode(inputs.get(i), false, false);
                if (!Arrays.equals(want, got)) {
                    failures.add("#" + i + " " + escape(inputs.get(i)) + "\n   want " + Arrays.toString(want) + "\n   got  " + Arrays.toString(got));
                }
            }
            if (!failures.isEmpty()) fail(vocabName + ": " + failures.size() + " of " + inputs.size() + " differ:\n" + String.join("\n", failures));
        }
    }

    static String escape(String s) {
        String e = s.replace("\n", "\\n").replace("\t", "\\t");
        return e.length() > 80 ? e.substring(0, 80) + "..." : e;
    }
}
