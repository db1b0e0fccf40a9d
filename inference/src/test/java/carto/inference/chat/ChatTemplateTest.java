package carto.inference.chat;

import carto.inference.Fixtures;
import carto.inference.gguf.GgufFile;
import carto.inference.lm.ChatMessage;
import carto.inference.lm.ToolCall;
import carto.inference.lm.ToolSpec;
import carto.inference.tokenizer.Tokenizer;
import carto.inference.tokenizer.Vocabulary;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ChatTemplateTest {
    @Test
    void qwenUsesChatMlWithNativeTools() {
        try (GgufFile f = GgufFile.open(Fixtures.fixture("models/synthetic-qwen2-fim-e256-q8_0.gguf"))) {
            Vocabulary v = Vocabulary.from(f);
            ChatTemplate t = ChatTemplate.detect(v);
            assertEquals(ChatTemplate.CHATML, t);
            assertTrue(t.nativeTools(v));
            String prompt = t.render(List.of(ChatMessage.system("Be brief."), ChatMessage.user("Hi")), List.of(), v);
            assertEquals("<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n", prompt);
            int[] ids = Tokenizer.of(v).encode(prompt, false, true);
            assertEquals(v.id("<|im_start|>"), ids[0]);
            String withTools = t.render(List.of(ChatMessage.user("find x"),
                    new ChatMessage(ChatMessage.Role.ASSISTANT, "", List.of(new ToolCall("c1", "search", "{\"q\":\"x\"}")), null),
                    ChatMessage.tool("c1", "found x")), List.of(new ToolSpec("search", "full-text search", "{\"type\":\"object\"}")), v);
            assertTrue(withTools.contains("<tools>\n{\"type\": \"function\", \"function\": {\"name\": \"search\""), withTools);
            assertTrue(withTools.contains("<tool_call>\n{\"name\": \"search\", \"arguments\": {\"q\":\"x\"}}\n</tool_call>"), withTools);
            assertTrue(withTools.contains("<tool_response>\nfound x\n</tool_response>"), withTools);
        }
    }

    @Test
    void deepSeekCoderVocabularyGetsItsInstructionFormat() {
        try (GgufFile f = GgufFile.open(Fixtures.fixture("models/synthetic-llama-dscoder-q4_0.gguf"))) {
            Vocabulary v = Vocabulary.from(f);
            ChatTemplate t = ChatTemplate.detect(v);
            assertEquals(ChatTemplate.DEEPSEEK_CODER, t);
            String p = t.render(List.of(ChatMessage.user("Write fib")), List.of(), v);
            assertTrue(p.startsWith("<｜begin▁of▁sentence｜>You are an AI programming assistant"), p);
            assertTrue(p.endsWith("### Instruction:\nWrite fib\n### Response:\n"), p);
        }
    }

    @Test
    void toolCallBlocksAreParsed() {
        var c = new carto.inference.lm.Completion("Let me look.\n<tool_call>\n{\"name\": \"read_file\", \"arguments\": {\"path\": \"a.py\"}}\n</tool_call>",
                carto.inference.lm.FinishReason.STOP, 1, 1, java.time.Duration.ZERO, List.of());
        var out = carto.inference.lm.LocalLanguageModelAccess.extract(c);
        assertEquals(carto.inference.lm.FinishReason.TOOL_CALLS, out.finishReason());
        assertEquals("read_file", out.toolCalls().getFirst().name());
        assertEquals("{\"path\":\"a.py\"}", out.toolCalls().getFirst().argumentsJson());
        assertEquals("Let me look.", out.text());
    }
}
