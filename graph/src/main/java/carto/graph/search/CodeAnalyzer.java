package carto.graph.search;

import org.apache.lucene.analysis.Analyzer;
import org.apache.lucene.analysis.LowerCaseFilter;
import org.apache.lucene.analysis.TokenStream;
import org.apache.lucene.analysis.Tokenizer;
import org.apache.lucene.analysis.core.FlattenGraphFilter;
import org.apache.lucene.analysis.miscellaneous.WordDelimiterGraphFilter;
import org.apache.lucene.analysis.pattern.PatternTokenizer;

import java.util.regex.Pattern;

/**
 * Tokens for source code: runs of letters, digits and underscores, kept whole and also split
 * at case changes, underscores and digits ({@code parseHttpURL} finds {@code http} and
 * {@code parse_http_url}), lower-cased.
 */
public final class CodeAnalyzer extends Analyzer {
    private static final Pattern WORD = Pattern.compile("[\\p{L}\\p{N}_$]+");
    private final boolean indexing;

    /** {@code indexing} flattens the token graph, as an index requires; queries keep the graph. */
    public CodeAnalyzer(boolean indexing) {
        this.indexing = indexing;
    }

    @Override
    protected TokenStreamComponents createComponents(String fieldName) {
        Tokenizer source = new PatternTokenizer(WORD, 0);
        int flags = WordDelimiterGraphFilter.GENERATE_WORD_PARTS | WordDelimiterGraphFilter.GENERATE_NUMBER_PARTS
                | WordDelimiterGraphFilter.SPLIT_ON_CASE_CHANGE | WordDelimiterGraphFilter.SPLIT_ON_NUMERICS
                | WordDelimiterGraphFilter.PRESERVE_ORIGINAL;
        TokenStream ts = new WordDelimiterGraphFilter(source, flags, null);
        if (indexing) ts = new FlattenGraphFilter(ts);
        ts = new LowerCaseFilter(ts);
        return new TokenStreamComponents(source, ts);
    }
}
