package carto.graph;

import carto.graph.neo4j.EmbeddedNeo4j;
import carto.graph.neo4j.Neo4jCodeGraph;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;

/** One embedded Neo4j per test JVM (start-up costs seconds), reached through the driver like any server. */
public final class TestGraph {
    private static EmbeddedNeo4j neo4j;
    private static Neo4jCodeGraph graph;
    private static Path dir;

    private TestGraph() {}

    public static synchronized Neo4jCodeGraph graph() {
        if (graph == null) {
            try {
                dir = Files.createTempDirectory("carto-neo4j-test");
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
            neo4j = EmbeddedNeo4j.start(dir, true);
            graph = Neo4jCodeGraph.connect(neo4j.boltUri(), null, null, null);
            graph.initSchema();
            Runtime.getRuntime().addShutdownHook(new Thread(TestGraph::shutdown));
        }
        return graph;
    }

    public static synchronized EmbeddedNeo4j server() {
        graph();
        return neo4j;
    }

    /** A second connection to the same database that uses plain Cypher only, as against a server without Carto's procedures; close it. */
    public static Neo4jCodeGraph cypherOnly() {
        System.setProperty("carto.graph.cypherOnly", "true");
        try {
            return Neo4jCodeGraph.connect(server().boltUri(), null, null, null);
        } finally {
            System.clearProperty("carto.graph.cypherOnly");
        }
    }

    private static synchronized void shutdown() {
        if (graph != null) graph.close();
        if (neo4j != null) neo4j.close();
        try (var paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException | RuntimeException ignored) {
            // temporary files only
        }
    }
}
