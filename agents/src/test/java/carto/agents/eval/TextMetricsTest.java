package carto.agents.eval;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The metrics against values computed by the reference implementations (NLTK 3.8 for BLEU and METEOR; rouge_score's definition for ROUGE-L). */
class TextMetricsTest {
    static final String H1 = "It is a guide to action which ensures that the military always obeys the commands of the party";
    static final String R1 = "It is a guide to action that ensures that the military will forever heed Party commands";
    static final String R2 = "It is the guiding principle which guarantees the military forces always being under the command of the Party";
    static final String R3 = "It is the practical guide for the army always to heed the directions of the party";

    @Test
    void bleuMatchesNltkOnItsDocumentedExample() {
        // nltk.translate.bleu_score.sentence_bleu([r1, r2, r3], h1) == corpus_bleu(...) == 0.5045666840058485
        assertEquals(0.5045666840058485, TextMetrics.bleu4(List.of(List.of(R1, R2, R3)), List.of(H1)), 1e-12);
        assertEquals(0.0, TextMetrics.bleu4(List.of(List.of("a b c d")), List.of("x y z")), 0.0);
        assertEquals(1.0, TextMetrics.bleu4(List.of(List.of("returns the sum of two numbers .")), List.of("returns the sum of two numbers .")), 1e-12);
    }

    @Test
    void tokenizer13aSplitsPunctuationButNotNumbers() {
        assertEquals(List.of("Hello", ",", "world", ".", "Pi", "is", "3.14", "(", "about", ")", "!"), TextMetrics.tokenize13a("Hello, world. Pi is 3.14 (about)!"));
    }

    @Test
    void meteorMatchesNltkWithoutWordNet() {
        // nltk meteor_score([r.split()], h.split(), wordnet=<no synsets>) on NLTK 3.8
        assertEquals(0.6944444444444445, TextMetrics.meteor(List.of(R1.split(" ")), List.of(H1.split(" "))), 1e-12);
        assertEquals(0.3438620071684588, TextMetrics.meteor(List.of("Return a list of the jobs that are running, sorted by start time".split(" ")),
                List.of("returns the sorted list of running jobs".split(" "))), 1e-12);
    }

    @Test
    void rougeLIsTheLongestCommonSubsequenceF1() {
        // LCS "the cat on the mat" = 5 of 6 words either way
        assertEquals(5.0 / 6, TextMetrics.rougeL("The cat sat on the mat.", "the cat is on the mat"), 1e-12);
        assertEquals(0.0, TextMetrics.rougeL("abc", "xyz"), 0.0);
    }

    @Test
    void theTargetDocstringIsMaskedInTheClassContext() {
        String skeleton = "class A:\n    def area(self, r):\n        \"\"\"Compute the area of a circle.\"\"\"\n\n    def other(self):\n        \"\"\"Other.\"\"\"\n";
        String masked = SummaryEval.maskDocstring(skeleton, "area");
        assertEquals(false, masked.contains("Compute the area"));
        assertEquals(true, masked.contains("\"\"\"Other.\"\"\""));
        assertEquals("Returns the area.", SummaryEval.firstSentence("Summary: Returns the area. It uses pi.\nMore"));
    }
}
