package carto.graph;

import carto.graph.neo4j.Neo4jCodeGraph;
import org.junit.jupiter.api.Test;
import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;
import org.testcontainers.neo4j.Neo4jContainer;
import org.testcontainers.utility.MountableFile;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A Neo4j server (the Docker image) with the packaged plugin jar in its plugins folder: the store
 * finds Carto's procedures there and writes through them. Runs after {@code package}, where
 * Docker is available.
 */
@Testcontainers(disabledWithoutDocker = true)
class Neo4jServerPluginJarIT {
    @Container
    static final Neo4jContainer NEO4J = new Neo4jContainer("neo4j:2026.08.1").withAdminPassword("carto-test-pw").withPlugins(pluginFolder());

    /** A folder holding only the plugin jar just built. */
    private static MountableFile pluginFolder() {
        Path jar = Path.of(System.getProperty("carto.neo4jPluginJar", "graph/target/missing-neo4j-plugin.jar"));
        try {
            Path dir = Files.createTempDirectory("carto-neo4j-plugins");
            Files.copy(jar, dir.resolve(jar.getFileName()));
            return MountableFile.forHostPath(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("the plugin jar " + jar + " is built before this test runs", e);
        }
    }

    @Test
    void aServerWithThePluginWritesThroughItsProcedures() {
        try (Neo4jCodeGraph g = Neo4jCodeGraph.connect(URI.create(NEO4J.getBoltUrl()), "neo4j", "carto-test-pw", null)) {
            assertTrue(g.bulkWrites(), "the server offers carto.read and carto.write from the plugin jar");
            Neo4jCodeGraphTest.writesReadsAndDeletes(g, "server-plugin");
        }
    }
}
