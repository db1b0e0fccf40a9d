package carto.graph;

import carto.graph.neo4j.EmbeddedNeo4j;
import carto.graph.neo4j.Neo4jCodeGraph;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.neo4j.configuration.GraphDatabaseSettings;
import org.neo4j.configuration.connectors.ConnectorPortRegister;
import org.neo4j.configuration.connectors.ConnectorType;
import org.neo4j.dbms.api.DatabaseManagementService;
import org.neo4j.kernel.internal.GraphDatabaseAPI;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The packaged plugin jar (graph/target/carto-graph-*-neo4j-plugin.jar) is what a Neo4j server
 * loads from its plugins folder: a database given only that folder registers Carto's procedures,
 * and the store switches to them. Runs after {@code package}, on the jar just built.
 */
class Neo4jPluginJarIT {
    @TempDir
    Path tmp;

    @Test
    void aDatabaseWithThePluginJarInItsPluginsFolderOffersCartosProcedures() throws Exception {
        Path jar = Path.of(System.getProperty("carto.neo4jPluginJar", "graph/target/missing-neo4j-plugin.jar"));
        assertTrue(Files.isRegularFile(jar), "the plugin jar is built before this test runs: " + jar);
        Path plugins = Files.createDirectories(tmp.resolve("plugins"));
        Files.copy(jar, plugins.resolve(jar.getFileName()));
        // Carto's own settings, but the procedures come from the plugins folder instead of being registered
        DatabaseManagementService dbms = EmbeddedNeo4j.settings(tmp.resolve("db"), true)
                .setConfig(GraphDatabaseSettings.plugin_dir, plugins)
                .build();
        try {
            GraphDatabaseAPI db = (GraphDatabaseAPI) dbms.database(GraphDatabaseSettings.DEFAULT_DATABASE_NAME);
            Set<String> names = new TreeSet<>();
            db.executeTransactionally("SHOW PROCEDURES YIELD name WHERE name STARTS WITH 'carto.' RETURN name", java.util.Map.of(),
                    r -> { r.forEachRemaining(row -> names.add((String) row.get("name"))); return null; });
            assertEquals(Set.of("carto.read", "carto.write"), names);

            var port = db.getDependencyResolver().resolveDependency(ConnectorPortRegister.class).getLocalAddress(ConnectorType.BOLT);
            try (Neo4jCodeGraph g = Neo4jCodeGraph.connect(URI.create("bolt://127.0.0.1:" + port.getPort()), null, null, null)) {
                assertTrue(g.bulkWrites(), "the store uses the plugin's procedures when the server has them");
                Neo4jCodeGraphTest.writesReadsAndDeletes(g, "plugin");
            }
        } finally {
            dbms.shutdown();
        }
    }
}
