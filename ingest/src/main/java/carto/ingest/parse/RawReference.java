package carto.ingest.parse;

/**
 * A name used in a file, before resolution: a call, a type reference, an import, or a base
 * type of a class. {@code owner} is the name of the subclass for INHERIT, the importing call
 * ({@code require}) for IMPORT when the language imports through a call.
 */
public record RawReference(Kind kind, String name, String owner, int startByte, int line) {
    public enum Kind { CALL, REFERENCE, IMPORT, INHERIT }
}
