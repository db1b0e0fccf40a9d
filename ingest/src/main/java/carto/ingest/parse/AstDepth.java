package carto.ingest.parse;

/** How much of the syntax tree becomes AST nodes in the graph. */
public enum AstDepth {
    /** Definitions only (classes, functions, fields...). */
    DECLARATIONS,
    /** Definitions and statements, each under the statement or definition it belongs to: the default, enough for navigation and agents. */
    STATEMENTS,
    /** Every named node, expressions included (large graphs). */
    FULL;

    public static AstDepth parse(String s) {
        try {
            return valueOf(s.toUpperCase(java.util.Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown AST depth '" + s + "'; use declarations, statements or full");
        }
    }
}
