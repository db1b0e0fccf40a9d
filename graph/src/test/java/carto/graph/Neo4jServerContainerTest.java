package carto.graph;

import carto.graph.neo4j.Neo4jCodeGraph;
import org.junit.jupiter.api.Test;
import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;
import org.testcontainers.neo4j.Neo4jContainer;

import java.net.URI;

/**
 * The same store code against a real Neo4j server (the Docker image), as a user pointing
 * {@code --neo4j bolt://...} at a server gets. Runs where Docker is available.
 */
@Testcontainers(disabledWithoutDocker = true)
class Neo4jServerContainerTest {
    @Container
    static final Neo4jContainer NEO4J = new Neo4jContainer("neo4j:2026.08.1").withAdminPassword("carto-test-pw");

    @Test
    void writesAndReadsThroughTheDriverAgainstAServer() {
        try (Neo4jCodeGraph g = Neo4jCodeGraph.connect(URI.create(NEO4J.getBoltUrl()), "neo4j", "carto-test-pw", null)) {
            Neo4jCodeGraphTest.writesReadsAndDeletes(g, "server");
        }
    }
}
