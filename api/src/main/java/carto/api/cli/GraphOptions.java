package carto.api.cli;

import carto.api.RunningServer;
import carto.graph.GraphException;
import carto.graph.KnowledgeGraph;
import picocli.CommandLine.Option;

import java.net.URI;
import java.nio.file.Path;

/** Where the graph lives: the embedded default under --data, or a Neo4j server/cluster with --neo4j. */
public final class GraphOptions {
    @Option(names = "--data", paramLabel = "DIR", description = "Data folder for the embedded Neo4j and the search index (default: $CARTO_HOME or ~/.carto).")
    Path data;

    @Option(names = "--neo4j", paramLabel = "URI", description = "Use a Neo4j server or cluster (bolt://host:7687, neo4j://host:7687) instead of the embedded one. Env: CARTO_NEO4J_URI.")
    URI neo4j;

    @Option(names = "--neo4j-user", paramLabel = "USER", description = "Neo4j user (env NEO4J_USER, default neo4j when --neo4j is given).")
    String user;

    @Option(names = "--neo4j-password", paramLabel = "PASSWORD", description = "Neo4j password (env NEO4J_PASSWORD).")
    String password;

    @Option(names = "--neo4j-database", paramLabel = "NAME", description = "Neo4j database (default: the server's default).")
    String database;

    public Path dataDir() {
        if (data != null) return data.toAbsolutePath();
        String env = System.getenv("CARTO_HOME");
        return env != null && !env.isBlank() ? Path.of(env).toAbsolutePath() : Path.of(System.getProperty("user.home"), ".carto");
    }

    public KnowledgeGraph.Config config(boolean lean) {
        URI uri = neo4j;
        if (uri == null && System.getenv("CARTO_NEO4J_URI") != null && !System.getenv("CARTO_NEO4J_URI").isBlank()) {
            uri = URI.create(System.getenv("CARTO_NEO4J_URI"));
        }
        String u = user != null ? user : System.getenv().getOrDefault("NEO4J_USER", uri != null ? "neo4j" : null);
        String p = password != null ? password : System.getenv("NEO4J_PASSWORD");
        return new KnowledgeGraph.Config(dataDir(), uri, uri == null ? null : u, p, database, lean);
    }

    /** The carto serve that holds this data folder and writes to the graph these options name, if one runs. */
    public java.util.Optional<RunningServer> runningServer() {
        return RunningServer.find(dataDir(), config(true).neo4jUri());
    }

    public KnowledgeGraph open(boolean lean) {
        KnowledgeGraph.Config c = config(lean);
        try {
            return KnowledgeGraph.open(c);
        } catch (GraphException e) {
            // the folder is locked by a running carto serve: say which, and how to reach it
            var server = runningServer();
            if (server.isEmpty()) throw e;
            throw new GraphException(server.get().describe() + " holds the data folder " + c.dataDir() + ": ask it through its REST API or web UI at "
                    + server.get().url() + " (carto ingest goes through it by itself), or stop it first", e);
        }
    }
}
