package carto.graph;

/**
 * A resolved relation between two definitions (or, for IMPORTS, two files). Endpoints are
 * addressed by file path and byte range so edges can be computed before node ids exist. A call or
 * reference made outside every definition (a script's {@code main()}, a test's top-level
 * {@code describe(...)} callbacks) starts at its file: {@code fromStartByte} is {@link #FILE}.
 */
public record SemanticEdge(Type type, String fromPath, int fromStartByte, String toPath, int toStartByte, int line, Resolution resolution) {
    public enum Type { CALLS, REFERENCES, IMPORTS, EXTENDS, IMPLEMENTS, OVERRIDES }

    /** {@code fromStartByte} of an edge that starts at its file's node, not at a definition. */
    public static final int FILE = -1;

    /** EXACT: resolved by a compiler front end (JavaParser's symbol solver); HEURISTIC: by name within the repository. */
    public enum Resolution {
        EXACT, HEURISTIC;

        public String wire() {
            return name().toLowerCase();
        }
    }
}
