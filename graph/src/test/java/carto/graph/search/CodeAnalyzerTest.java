package carto.graph.search;

import org.apache.lucene.analysis.Analyzer;
import org.apache.lucene.analysis.LowerCaseFilter;
import org.apache.lucene.analysis.TokenStream;
import org.apache.lucene.analysis.Tokenizer;
import org.apache.lucene.analysis.core.FlattenGraphFilter;
import org.apache.lucene.analysis.miscellaneous.WordDelimiterGraphFilter;
import org.apache.lucene.analysis.tokenattributes.CharTermAttribute;
import org.apache.lucene.analysis.tokenattributes.OffsetAttribute;
import org.apache.lucene.analysis.tokenattributes.PositionIncrementAttribute;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CodeAnalyzerTest {
    /** What the index used to run: the same tokenizer and word delimiter, then Lucene's graph flattening. */
    private static final Analyzer FLATTENED = new Analyzer() {
        @Override
        protected TokenStreamComponents createComponents(String fieldName) {
            Tokenizer source = CodeAnalyzer.tokenizer();
            TokenStream ts = new FlattenGraphFilter(new WordDelimiterGraphFilter(source, CodeAnalyzer.FLAGS, null));
            return new TokenStreamComponents(source, new LowerCaseFilter(ts));
        }
    };
    private static final String EDGE_CASES = "parseHttpURL HTTPServer __init__ $scope foo$$bar a_b_c x_1_y 123abc a9B8c7 getHTTPResponseCode2XX "
            + "ÄpfelÜber ñandúPájaro 日本語テキスト ǅemal ½x Ⅻy _ $ __ 9 it's x-y a.b::c";

    @Test
    void splitsWordsAtCaseChangesDigitsAndUnderscoresAndKeepsThemWhole() throws IOException {
        assertEquals(List.of("parsehttpurl@0", "parse@0", "http@1", "url@2", "next@3"), terms("parseHttpURL next"));
        assertEquals(List.of("parse_http_url@0", "parse@0", "http@1", "url@2"), terms("parse_http_url"));
        assertEquals(List.of("utf8@0", "utf@0", "8@1", "x@2"), terms("utf8(x)"));
        assertEquals(List.of("$scope@0", "scope@0", "a@1", "b@2", "c@3"), terms("$scope a.b::c"));
        assertEquals(List.of("äpfelüber@0", "äpfel@0", "über@1", "日本語テキスト@2"), terms("ÄpfelÜber 日本語テキスト"));
    }

    @Test
    void aLongRunIsCutIntoPiecesTheIndexAccepts() throws IOException {
        List<String> t = terms("x".repeat(40_000));
        assertEquals(157, t.size(), "40,000 characters in pieces of " + CodeAnalyzer.MAX_TOKEN);
        assertTrue(t.stream().allMatch(s -> s.indexOf('@') <= CodeAnalyzer.MAX_TOKEN));
    }

    @Test
    void indexTokensAreThoseOfTheFlattenedGraph() throws IOException {
        assertEquals(stream(FLATTENED, EDGE_CASES), stream(new CodeAnalyzer(), EDGE_CASES));
    }

    @Test
    void indexTokensAreThoseOfTheFlattenedGraphOnRealCode() throws IOException {
        Path datasets = Path.of("../../shared/datasets").toAbsolutePath().normalize();
        if (!Files.isDirectory(datasets)) datasets = Path.of("../shared/datasets").toAbsolutePath().normalize();
        Assumptions.assumeTrue(Files.isDirectory(datasets), "../shared/datasets is absent: the comparison on real code is skipped");
        Analyzer analyzer = new CodeAnalyzer();
        long tokens = 0;
        int files = 0;
        try (Stream<Path> s = Files.walk(datasets)) {
            for (Path p : (Iterable<Path>) s.filter(Files::isRegularFile).filter(f -> f.toString().matches(".*\\.(c|h|py|java|rs|js|ts|md|txt)$"))::iterator) {
                String text;
                try {
                    text = StandardCharsets.UTF_8.newDecoder().decode(java.nio.ByteBuffer.wrap(Files.readAllBytes(p))).toString();
                } catch (CharacterCodingException e) {
                    continue;
                }
                List<String> expected = stream(FLATTENED, text);
                assertEquals(expected, stream(analyzer, text), p.toString());
                tokens += expected.size();
                files++;
            }
        }
        assertTrue(files > 50 && tokens > 50_000, "compared " + files + " files, " + tokens + " tokens");
    }

    /** Terms with their positions. */
    private static List<String> terms(String text) throws IOException {
        return stream(new CodeAnalyzer(), text).stream().map(s -> s.substring(0, s.indexOf(':'))).toList();
    }

    /** Every token as term@position:startOffset-endOffset. */
    private static List<String> stream(Analyzer analyzer, String text) throws IOException {
        List<String> out = new ArrayList<>();
        try (TokenStream ts = analyzer.tokenStream("content", text)) {
            CharTermAttribute term = ts.addAttribute(CharTermAttribute.class);
            PositionIncrementAttribute inc = ts.addAttribute(PositionIncrementAttribute.class);
            OffsetAttribute offset = ts.addAttribute(OffsetAttribute.class);
            ts.reset();
            int position = -1;
            while (ts.incrementToken()) {
                position += inc.getPositionIncrement();
                out.add(term + "@" + position + ":" + offset.startOffset() + "-" + offset.endOffset());
            }
            ts.end();
        }
        return out;
    }
}
