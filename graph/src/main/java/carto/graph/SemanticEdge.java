package carto.graph;

/**
 * A resolved relation between two definitions (or, for IMPORTS, two files). Endpoints are
 * addressed by file path and byte range so edges can be computed before node ids exist.
 */
public record SemanticEdge(Type type, String fromPath, int fromStartByte, String toPath, int toStartByte, int line, Resolution resolution) {
    public enum Type { CALLS, REFERENCES, IMPORTS, EXTENDS, IMPLEMENTS, OVERRIDES }

    /** EXACT: resolved by a compiler front end (JavaParser's symbol solver); HEURISTIC: by name within the repository. */
    public enum Resolution {
        EXACT, HEURISTIC;

        public String wire() {
            return name().toLowerCase();
        }
    }
}
