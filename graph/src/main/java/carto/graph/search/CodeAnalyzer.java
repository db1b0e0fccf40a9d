package carto.graph.search;

import org.apache.lucene.analysis.Analyzer;
import org.apache.lucene.analysis.LowerCaseFilter;
import org.apache.lucene.analysis.TokenStream;
import org.apache.lucene.analysis.Tokenizer;
import org.apache.lucene.analysis.miscellaneous.WordDelimiterGraphFilter;
import org.apache.lucene.analysis.util.CharTokenizer;

/**
 * Tokens for source code: runs of letters, digits, underscores and dollar signs (at most
 * {@value #MAX_TOKEN} characters each), kept whole and also split at case changes, underscores
 * and digits ({@code parseHttpURL} finds {@code http} and {@code parse_http_url}), lower-cased.
 *
 * <p>The same analyzer serves indexing and queries. With these options the word delimiter's
 * token graph has no side paths (each split word's parts follow its original, which spans them),
 * so its positions are already what a flattened stream has: indexing skips Lucene's graph
 * flattening, which was a quarter of the index's analysis time. {@code CodeAnalyzerTest} checks
 * that the two streams agree token for token.
 */
public final class CodeAnalyzer extends Analyzer {
    /** Longer runs (data, not names) are cut into pieces; IndexWriter refuses terms over 32 KB. */
    static final int MAX_TOKEN = 255;
    static final int FLAGS = WordDelimiterGraphFilter.GENERATE_WORD_PARTS | WordDelimiterGraphFilter.GENERATE_NUMBER_PARTS
            | WordDelimiterGraphFilter.SPLIT_ON_CASE_CHANGE | WordDelimiterGraphFilter.SPLIT_ON_NUMERICS
            | WordDelimiterGraphFilter.PRESERVE_ORIGINAL;

    @Override
    protected TokenStreamComponents createComponents(String fieldName) {
        Tokenizer source = tokenizer();
        TokenStream ts = new LowerCaseFilter(new WordDelimiterGraphFilter(source, FLAGS, null));
        return new TokenStreamComponents(source, ts);
    }

    /** Splits text into words: code points that are letters, numbers, {@code _} or {@code $}. */
    static Tokenizer tokenizer() {
        return new CharTokenizer(org.apache.lucene.util.AttributeFactory.DEFAULT_ATTRIBUTE_FACTORY, MAX_TOKEN) {
            @Override
            protected boolean isTokenChar(int c) {
                return Character.isLetter(c) || isNumber(c) || c == '_' || c == '$';
            }
        };
    }

    private static boolean isNumber(int c) {
        int t = Character.getType(c);
        return t == Character.DECIMAL_DIGIT_NUMBER || t == Character.LETTER_NUMBER || t == Character.OTHER_NUMBER;
    }
}
