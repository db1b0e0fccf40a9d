package carto.graph;

import carto.graph.neo4j.Neo4jCodeGraph;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.neo4j.configuration.GraphDatabaseInternalSettings;
import org.neo4j.configuration.GraphDatabaseSettings;
import org.neo4j.configuration.connectors.BoltConnector;
import org.neo4j.configuration.connectors.ConnectorPortRegister;
import org.neo4j.configuration.connectors.ConnectorType;
import org.neo4j.configuration.connectors.HttpConnector;
import org.neo4j.configuration.helpers.SocketAddress;
import org.neo4j.dbms.api.DatabaseManagementService;
import org.neo4j.dbms.api.DatabaseManagementServiceBuilder;
import org.neo4j.kernel.internal.GraphDatabaseAPI;
import org.neo4j.logging.NullLogProvider;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
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
        DatabaseManagementService dbms = new DatabaseManagementServiceBuilder(tmp.resolve("db"))
                .setConfig(GraphDatabaseSettings.plugin_dir, plugins)
                .setConfig(BoltConnector.enabled, true)
                .setConfig(BoltConnector.listen_address, new SocketAddress("127.0.0.1", 0))
                .setConfig(BoltConnector.encryption_level, BoltConnector.EncryptionLevel.DISABLED)
                .setConfig(HttpConnector.enabled, false)
                .setConfig(GraphDatabaseSettings.auth_enabled, false)
                .setConfig(GraphDatabaseSettings.udc_enabled, false)
                .setConfig(GraphDatabaseSettings.preallocate_logical_logs, false)
                .setConfig(GraphDatabaseInternalSettings.netty_server_shutdown_quiet_period, Duration.ZERO)
                .setUserLogProvider(NullLogProvider.getInstance())
                .build();
        try {
            GraphDatabaseAPI db = (GraphDatabaseAPI) dbms.database(GraphDatabaseSettings.DEFAULT_DATABASE_NAME);
            Set<String> names = new TreeSet<>();
            db.executeTransactionally("SHOW PROCEDURES YIELD name WHERE name STARTS WITH 'carto.' RETURN name", java.util.Map.of(),
                    r -> { r.forEachRemaining(row -> names.add((String) row.get("name"))); return null; });
            assertEquals(Set.of("carto.definitions", "carto.deleteFiles", "carto.fileHashes", "carto.filesReferencing",
                    "carto.replaceEdges", "carto.upsertRepository", "carto.writeFiles"), names);

            var port = db.getDependencyResolver().resolveDependency(ConnectorPortRegister.class).getLocalAddress(ConnectorType.BOLT);
            try (Neo4jCodeGraph g = Neo4jCodeGraph.connect(URI.create("bolt://127.0.0.1:" + port.getPort()), null, null, null)) {
                assertTrue(g.bulkWrites(), "the store uses the plugin's procedures when the server has them");
                g.initSchema();
                g.upsertRepository("plugin", "demo", "/src/demo", null, "c0ffee");
                long[] written = g.writeFiles("plugin", List.of(Neo4jCodeGraphTest.file("src/app.py", "main", "helper")));
                assertEquals(1 + 1 + 3 + 2, written[0], "directory, file, 3 AST nodes, 2 text chunks");
                assertEquals(2, g.definitions("plugin").size());
            }
        } finally {
            dbms.shutdown();
        }
    }
}
