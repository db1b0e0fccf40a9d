package carto.ingest;

/** Progress of an ingest, for progress bars and job status. */
public interface IngestListener {
    /** A new phase begins ("walking", "parsing", "writing graph", "resolving", "indexing"). */
    default void phase(String name, int total) { }

    /** Work items done in the current phase. */
    default void progress(int done, int total) { }

    IngestListener NONE = new IngestListener() { };
}
