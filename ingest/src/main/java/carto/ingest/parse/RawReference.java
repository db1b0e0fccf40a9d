package carto.ingest.parse;

/**
 * A name used in a file, before resolution: a call, a type reference, an import, or a base
 * type of a class. {@code owner} is the name of the subclass for INHERIT, the importing call
 * ({@code require}) for IMPORT when the language imports through a call, and for a CALL made on
 * a receiver ({@code x.f()}, in the languages whose queries capture it: Python, Go, JavaScript,
 * TypeScript) the receiver's name or dotted chain of names ({@code a.b}), {@link #LITERAL} for a
 * literal, or empty when it is none of these ({@code f().g()}); null for a plain call. For a
 * REFERENCE, the package that qualifies a Go type ({@code testing} in {@code testing.T}), else null.
 *
 * <p>{@code receiverType} (Go calls on a variable): the named type the variable is declared with,
 * as written without pointer or type arguments ({@code Server}, {@code http.Request}), when every
 * declaration of that name in the calling function (or, with none there, the one of the file)
 * says it; {@link #UNTYPED} when the receiver is such a variable but its type is not written
 * ({@code v, err := f()}), so it is no imported package; null when no declaration is seen.
 */
public record RawReference(Kind kind, String name, String owner, int startByte, int line, String receiverType) {
    /** The {@code receiverType} of a call on a local variable whose type the syntax does not give. */
    public static final String UNTYPED = "?";

    public RawReference(Kind kind, String name, String owner, int startByte, int line) {
        this(kind, name, owner, startByte, line, null);
    }

    /** The {@code owner} of a call made on a literal ({@code ", ".join(parts)}): none of the repository's methods. */
    public static final String LITERAL = "\"";

    /**
     * BIND (Python, Go): {@code name} is bound by an import to what {@code owner} names: a dotted
     * module path ({@code .sansio.utils}) or a name in one, a Go package's import path (as written,
     * quoted, like an IMPORT's {@code name}).
     */
    public enum Kind { CALL, REFERENCE, IMPORT, INHERIT, BIND }
}
