package carto.ingest.parse;

/**
 * A name used in a file, before resolution: a call, a type reference, an import, or a base
 * type of a class. {@code owner} is the name of the subclass for INHERIT, the importing call
 * ({@code require}) for IMPORT when the language imports through a call, and for a CALL made on
 * a receiver ({@code x.f()}, in the languages whose queries capture it: Python, Go, JavaScript,
 * TypeScript) the receiver's name or dotted chain of names ({@code a.b}), {@link #LITERAL} for a
 * literal, or empty when it is none of these ({@code f().g()}); null for a plain call. For a
 * REFERENCE, the package that qualifies a Go type ({@code testing} in {@code testing.T}), else null.
 */
public record RawReference(Kind kind, String name, String owner, int startByte, int line) {
    /** The {@code owner} of a call made on a literal ({@code ", ".join(parts)}): none of the repository's methods. */
    public static final String LITERAL = "\"";

    /**
     * BIND (Python, Go): {@code name} is bound by an import to what {@code owner} names: a dotted
     * module path ({@code .sansio.utils}) or a name in one, a Go package's import path (as written,
     * quoted, like an IMPORT's {@code name}).
     */
    public enum Kind { CALL, REFERENCE, IMPORT, INHERIT, BIND }
}
