package carto.graph;

/** A graph operation that failed: the database is unreachable, refused the request, or the input was invalid. */
public class GraphException extends RuntimeException {
    public GraphException(String message) {
        super(message);
    }

    public GraphException(String message, Throwable cause) {
        super(message, cause);
    }
}
