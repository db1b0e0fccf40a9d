package carto.inference.fim;

import carto.inference.Fixtures;
import carto.inference.gguf.GgufFile;
import carto.inference.tokenizer.Tokenizer;
import carto.inference.tokenizer.Vocabulary;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.Arrays;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Local re-tokenization after edits always yields the tokenization of the whole new text, for
 * every vocabulary llama.cpp tests (BPE with each pre-tokenizer, and SentencePiece), including
 * merges that change across the edit boundary and UTF-8 characters split between byte tokens.
 */
class TokenizedTextTest {
    static final String CODE = """
            import java.util.*;

            public final class Überblick {
                private final Map<String, List<Integer>> index = new HashMap<>();

                /** Adds a value — négatif or not — under its key (日本語 too). */
                public void add(String key, int value) {
                    index.computeIfAbsent(key, k -> new ArrayList<>()).add(value);
                    if (value < 0) { System.err.println("neg: " + value + " 🙂"); }
                }

                def python_like(self, x):\treturn x ** 2  # tabs\t\tand  spaces
            }
            """;
    static final String[] SNIPPETS = {"a", " ", "\n", "    ", "x", "ld", "world", " = ", "();", "\t", "é", "日本", "🙂", "}}", "\n\n    ",
            "return", "1234567", "'s", " don't", "<|fim", "->", "==", "  "};

    static Tokenizer tokenizer(String vocab) throws Exception {
        try (GgufFile f = GgufFile.open(Fixtures.fixture("tokenizers/ggml-vocab-" + vocab + ".gguf"))) {
            return Tokenizer.of(Vocabulary.from(f));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"qwen2", "deepseek-coder", "llama-spm", "llama-bpe", "gpt-2", "starcoder", "phi-3", "refact"})
    void randomEditsEqualFullTokenization(String vocab) throws Exception {
        Tokenizer tok = tokenizer(vocab);
        Random rnd = new Random(vocab.hashCode());
        TokenizedText t = new TokenizedText(tok);
        t.set(CODE);
        String text = CODE;
        int localChanges = 0;
        for (int round = 0; round < 400; round++) {
            int start = rnd.nextInt(text.length() + 1);
            // never split a surrogate pair: edits are in characters of the text, as an editor sends them
            if (start > 0 && start < text.length() && Character.isLowSurrogate(text.charAt(start))) start--;
            int end = Math.min(text.length(), start + (rnd.nextInt(3) == 0 ? rnd.nextInt(6) : 0));
            if (end < text.length() && end > 0 && Character.isLowSurrogate(text.charAt(end))) end++;
            String ins = rnd.nextInt(4) == 0 ? "" : SNIPPETS[rnd.nextInt(SNIPPETS.length)];
            if (start == end && ins.isEmpty()) ins = "y";
            int[] old = t.ids();
            int bStart = text.substring(0, start).getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
            int bEnd = text.substring(0, end).getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
            TokenizedText.Change c = t.replace(bStart, bEnd, ins);
            text = text.substring(0, start) + ins + text.substring(end);
            int[] want = tok.encode(text, false, false);
            assertArrayEquals(want, t.ids(), vocab + " round " + round + ": local re-tokenization differs from the full one");
            assertEquals(text, t.text());
            // the change, applied to the old ids, gives the new ids
            int[] rebuilt = new int[old.length - c.deleted() + c.inserted().length];
            System.arraycopy(old, 0, rebuilt, 0, c.start());
            System.arraycopy(c.inserted(), 0, rebuilt, c.start(), c.inserted().length);
            System.arraycopy(old, c.start() + c.deleted(), rebuilt, c.start() + c.inserted().length, old.length - c.start() - c.deleted());
            assertArrayEquals(want, rebuilt);
            if (c.deleted() + c.inserted().length <= 24) localChanges++;
        }
        // re-synchronization is local: nearly every small edit touches a handful of tokens, not the file
        assertTrue(localChanges > 380, vocab + ": only " + localChanges + " of 400 edits stayed local");
    }

    @Test
    void aMergeAcrossTheEditBoundaryReplacesTheTokenBeforeIt() throws Exception {
        Tokenizer tok = tokenizer("qwen2");
        TokenizedText t = new TokenizedText(tok);
        t.set("print(hello wor");
        int[] before = t.ids();
        assertEquals(" wor", tok.decode(new int[]{before[before.length - 1]}, false));
        TokenizedText.Change c = t.replace(t.byteLength(), t.byteLength(), "ld)");
        // " wor" + "ld" merges into " world": the old last token is deleted, not kept
        assertEquals(before.length - 1, c.start());
        assertEquals(1, c.deleted());
        assertEquals(" world", tok.decode(new int[]{c.inserted()[0]}, false));
        assertArrayEquals(tok.encode("print(hello world)", false, false), t.ids());
        // deleting "ld" splits the merged token again
        TokenizedText.Change back = t.replace(t.byteLength() - 3, t.byteLength() - 1, "");
        assertTrue(back.deleted() >= 1 && back.inserted().length >= 1);
        assertArrayEquals(tok.encode("print(hello wor)", false, false), t.ids());
    }

    @Test
    void sentencePieceKeepsItsLeadingSpaceRule() throws Exception {
        Tokenizer tok = tokenizer("llama-spm");
        TokenizedText t = new TokenizedText(tok);
        t.set("Hello");
        t.replace(0, 0, "Oh ");
        assertArrayEquals(tok.encode("Oh Hello", false, false), t.ids());
        t.replace(0, 3, "");
        assertArrayEquals(tok.encode("Hello", false, false), t.ids());
        t.replace(5, 5, " world");
        assertArrayEquals(tok.encode("Hello world", false, false), t.ids());
    }

    @Test
    void rangesOutsideTheTextAreRejectedAndNothingChanges() throws Exception {
        Tokenizer tok = tokenizer("qwen2");
        TokenizedText t = new TokenizedText(tok);
        t.set("abc");
        int[] ids = t.ids();
        var e = assertThrows(IllegalArgumentException.class, () -> t.replace(2, 9, "x"));
        assertTrue(e.getMessage().contains("outside the text"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> t.replace(2, 1, "x"));
        assertArrayEquals(ids, t.ids());
        assertEquals("abc", t.text());
        // an empty text grows from nothing
        TokenizedText empty = new TokenizedText(tok);
        empty.set("");
        assertEquals(0, empty.size());
        empty.replace(0, 0, "int x;");
        assertArrayEquals(tok.encode("int x;", false, false), empty.ids());
        assertTrue(Arrays.stream(empty.ids()).allMatch(i -> i >= 0));
    }
}
