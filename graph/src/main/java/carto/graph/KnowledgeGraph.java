package carto.graph;

import carto.graph.neo4j.EmbeddedNeo4j;
import carto.graph.neo4j.Neo4jCodeGraph;
import carto.graph.search.CodeIndex;
import carto.graph.tools.GraphTools;

import java.net.URI;
import java.nio.file.Path;

/**
 * The graph a Carto process works with: an embedded Neo4j under the data folder (the default)
 * or a Neo4j server or cluster at a Bolt/neo4j URI, plus the Lucene index beside it and the
 * tools over both.
 */
public final class KnowledgeGraph implements AutoCloseable {
    /** Where the data lives. {@code neo4jUri} null means embedded under {@code dataDir/neo4j}. */
    public record Config(Path dataDir, URI neo4jUri, String user, String password, String database, boolean lean) {}

    private final EmbeddedNeo4j embedded;
    private final Neo4jCodeGraph graph;
    private final CodeIndex index;
    private final GraphTools tools;
    private final long startupNanos;
    private final URI neo4jUri;

    private KnowledgeGraph(EmbeddedNeo4j embedded, Neo4jCodeGraph graph, CodeIndex index, long startupNanos, URI neo4jUri) {
        this.embedded = embedded;
        this.neo4jUri = neo4jUri;
        this.graph = graph;
        this.index = index;
        this.tools = new GraphTools(graph, index);
        this.startupNanos = startupNanos;
    }

    public static KnowledgeGraph open(Config c) {
        long t0 = System.nanoTime();
        EmbeddedNeo4j embedded = null;
        Neo4jCodeGraph graph = null;
        try {
            if (c.neo4jUri() == null) {
                embedded = EmbeddedNeo4j.start(c.dataDir().resolve("neo4j"), c.lean());
                graph = Neo4jCodeGraph.connect(embedded.boltUri(), null, null, null);
            } else {
                graph = Neo4jCodeGraph.connect(c.neo4jUri(), c.user(), c.password(), c.database());
            }
            graph.initSchema();
            CodeIndex index = CodeIndex.open(c.dataDir().resolve("index"));
            return new KnowledgeGraph(embedded, graph, index, System.nanoTime() - t0, c.neo4jUri());
        } catch (RuntimeException e) {
            if (graph != null) graph.close();
            if (embedded != null) embedded.close();
            throw e;
        }
    }

    public Neo4jCodeGraph graph() { return graph; }
    public CodeIndex index() { return index; }
    public GraphTools tools() { return tools; }

    /** The Neo4j server or cluster this graph was opened on (as configured); null for the embedded database. */
    public URI neo4jUri() {
        return neo4jUri;
    }

    /** Bolt URI of the database in use. */
    public String location() {
        return embedded != null ? "embedded Neo4j at " + embedded.home() + " (" + embedded.boltUri() + ")" : "Neo4j server";
    }

    public double startupSeconds() {
        return startupNanos / 1e9;
    }

    /** A repository by id, name or folder path. */
    public RepositoryInfo resolveRepository(String ref) {
        if (ref == null || ref.isBlank()) {
            var all = graph.repositories();
            if (all.size() == 1) return all.getFirst();
            throw new RepositoryNotFoundException(all.isEmpty() ? "no repository has been ingested yet; run carto ingest PATH first"
                    : "several repositories are ingested; choose one with --repo (" + String.join(", ", all.stream().map(RepositoryInfo::id).toList()) + ")");
        }
        var byId = graph.repository(ref);
        if (byId.isPresent()) return byId.get();
        String abs = Path.of(ref).toAbsolutePath().normalize().toString();
        var matches = graph.repositories().stream().filter(r -> ref.equals(r.name()) || abs.equals(r.path())).toList();
        if (matches.size() == 1) return matches.getFirst();
        if (matches.size() > 1) throw new RepositoryNotFoundException("'" + ref + "' names several repositories; use an id: " + String.join(", ", matches.stream().map(RepositoryInfo::id).toList()));
        throw new RepositoryNotFoundException("no repository '" + ref + "'; ingested: " + String.join(", ", graph.repositories().stream().map(RepositoryInfo::id).toList()));
    }

    @Override
    public void close() {
        try {
            index.close();
        } finally {
            try {
                graph.close();
            } finally {
                if (embedded != null) embedded.close();
            }
        }
    }
}
