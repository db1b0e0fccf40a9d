package carto.ingest.parse;

import carto.ingest.lang.Language;

import java.nio.charset.StandardCharsets;

/** Parses a source text the way an ingest parses a file of that language (named {@code f.<language>}). */
final class Parse {
    private Parse() {}

    static ParsedCode code(Language language, AstDepth depth, String source) {
        try (TreeSitterParser parser = language.parser(); SyntaxTree tree = parser.parse(source.getBytes(StandardCharsets.UTF_8))) {
            return new CodeFrontEnd(language, depth).parse(tree, parser.grammar(), "f." + language.id);
        }
    }
}
