package carto.inference.lm;

import carto.inference.Fixtures;
import carto.inference.model.ContextOverflowException;
import carto.inference.sample.SamplingParams;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Generation on the real stories260K weights: greedy text equals llama.cpp's, streaming, stops, limits, cancel, seeds, prefix reuse. */
class LocalLanguageModelTest {
    static LocalLanguageModel lm;

    @BeforeAll
    static void load() {
        lm = LocalLanguageModel.load(Fixtures.fixture("models/stories260K-f32.gguf"), 2, 512);
    }

    @AfterAll
    static void close() {
        if (lm != null) lm.close();
    }

    @Test
    void greedyContinuationIsLlamaCppsAndStreamsTheSameText() throws Exception {
        JsonNode ref = new ObjectMapper().readTree(Fixtures.fixture("reference/stories260K-f32.json").toFile());
        JsonNode prompt = ref.get("prompts").get(0);
        int[] greedy = new int[16];
        for (int i = 0; i < 16; i++) greedy[i] = prompt.get("greedy16").get(i).asInt();
        String expected = lm.model().tokenizer().decode(greedy, false);
        StringBuilder streamed = new StringBuilder();
        Completion c = lm.complete(prompt.get("text").asText(), GenerationOptions.greedy(16), streamed::append, CancelToken.none());
        assertEquals(expected, c.text());
        assertEquals(c.text(), streamed.toString());
        assertEquals(FinishReason.LENGTH, c.finishReason());
        assertEquals(16, c.completionTokens());
        assertEquals(prompt.get("n_tokens").asInt(), c.promptTokens());
    }

    @Test
    void onceUponATimeTellsAStory() {
        Completion c = lm.complete("Once upon a time", GenerationOptions.greedy(12));
        assertTrue(c.text().startsWith(", there was a little girl named"), c.text());
    }

    @Test
    void stopStringsCutTheTextAndAreNeverStreamed() {
        StringBuilder streamed = new StringBuilder();
        GenerationOptions o = new GenerationOptions(40, SamplingParams.GREEDY, List.of("little"));
        Completion c = lm.complete("Once upon a time", o, streamed::append, CancelToken.none());
        assertEquals(", there was a ", c.text());
        assertEquals(c.text(), streamed.toString());
        assertEquals(FinishReason.STOP, c.finishReason());
    }

    @Test
    void cancellationStopsGenerationEarly() {
        CancelToken cancel = new CancelToken();
        List<String> pieces = new ArrayList<>();
        Completion c = lm.complete("Once upon a time", GenerationOptions.greedy(200), p -> {
            pieces.add(p);
            if (pieces.size() == 3) cancel.cancel();
        }, cancel);
        assertEquals(FinishReason.CANCELLED, c.finishReason());
        assertTrue(c.completionTokens() <= 4, "generated " + c.completionTokens());
    }

    @Test
    void seedsMakeSamplingReproducible() {
        GenerationOptions a = new GenerationOptions(24, SamplingParams.of(1.0, 42), List.of());
        GenerationOptions b = new GenerationOptions(24, SamplingParams.of(1.0, 7), List.of());
        String x1 = lm.complete("Once upon a time", a).text();
        String x2 = lm.complete("Once upon a time", a).text();
        String y = lm.complete("Once upon a time", b).text();
        assertEquals(x1, x2);
        assertNotEquals(x1, y);
    }

    @Test
    void reusedPrefixGivesTheSameResultAsAFreshModel() {
        String first = lm.complete("Lily and Tom went to the park", GenerationOptions.greedy(12)).text();
        String second = lm.complete("Lily and Tom went to the park. They saw", GenerationOptions.greedy(12)).text();
        try (LocalLanguageModel fresh = LocalLanguageModel.load(Fixtures.fixture("models/stories260K-f32.gguf"), 1, 512)) {
            assertEquals(second, fresh.complete("Lily and Tom went to the park. They saw", GenerationOptions.greedy(12)).text());
            assertEquals(first, fresh.complete("Lily and Tom went to the park", GenerationOptions.greedy(12)).text());
        }
    }

    @Test
    void contextOverflowIsReportedClearly() {
        String longPrompt = "the dog ran and ".repeat(200);
        ContextOverflowException e = assertThrows(ContextOverflowException.class, () -> lm.complete(longPrompt, GenerationOptions.greedy(4)));
        assertTrue(e.getMessage().contains("context window is 512"), e.getMessage());
        Completion c = lm.complete("the dog ran and ".repeat(80), GenerationOptions.greedy(400));
        assertEquals(FinishReason.LENGTH, c.finishReason());
        assertTrue(c.promptTokens() + c.completionTokens() <= 512);
    }

    @Test
    void fimOnAModelWithoutFimTokensIsAClearError() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> lm.fillInMiddle(FimRequest.of("a", "b"), GenerationOptions.greedy(4),
                TokenSink.NONE, CancelToken.none()));
        assertTrue(e.getMessage().contains("no fill-in-the-middle tokens"), e.getMessage());
    }

    @Test
    void chatWithoutTemplateUsesRoleLabels() {
        Completion c = lm.chat(List.of(ChatMessage.user("Tell me a story")), GenerationOptions.greedy(8));
        assertTrue(c.completionTokens() > 0);
        assertEquals(carto.inference.chat.ChatTemplate.PLAIN, lm.template());
    }
}
