package carto.graph;

/** A repository reference (id, name or folder) that matches no ingested repository, or several. */
public class RepositoryNotFoundException extends GraphException {
    public RepositoryNotFoundException(String message) {
        super(message);
    }
}
