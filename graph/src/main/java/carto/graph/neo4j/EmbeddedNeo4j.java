package carto.graph.neo4j;

import carto.graph.GraphException;
import org.neo4j.configuration.GraphDatabaseInternalSettings;
import org.neo4j.configuration.GraphDatabaseSettings;
import org.neo4j.configuration.connectors.BoltConnector;
import org.neo4j.configuration.connectors.ConnectorPortRegister;
import org.neo4j.configuration.connectors.ConnectorType;
import org.neo4j.configuration.connectors.HttpConnector;
import org.neo4j.configuration.helpers.SocketAddress;
import org.neo4j.dbms.api.DatabaseManagementService;
import org.neo4j.dbms.api.DatabaseManagementServiceBuilder;
import org.neo4j.io.ByteUnit;
import org.neo4j.kernel.api.procedure.GlobalProcedures;
import org.neo4j.kernel.internal.GraphDatabaseAPI;
import org.neo4j.logging.NullLogProvider;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * A Neo4j started inside this process with Bolt on a loopback port, so the same driver code
 * serves the embedded default and a remote server or cluster. Its logs go to files under the
 * data folder, never to the terminal.
 */
public final class EmbeddedNeo4j implements AutoCloseable {
    private final DatabaseManagementService dbms;
    private final URI boltUri;
    private final Path home;

    private EmbeddedNeo4j(DatabaseManagementService dbms, URI boltUri, Path home) {
        this.dbms = dbms;
        this.boltUri = boltUri;
        this.home = home;
    }

    /**
     * The settings Carto runs Neo4j with: Bolt on a loopback port without TLS or authentication,
     * no HTTP, no usage reporting, a quick shutdown, logs to files only. {@code lean}: see {@link #start}.
     */
    public static DatabaseManagementServiceBuilder settings(Path home, boolean lean) {
        return new DatabaseManagementServiceBuilder(home)
                .setConfig(BoltConnector.enabled, true)
                .setConfig(BoltConnector.listen_address, new SocketAddress("127.0.0.1", 0))
                .setConfig(BoltConnector.encryption_level, BoltConnector.EncryptionLevel.DISABLED)
                .setConfig(HttpConnector.enabled, false)
                .setConfig(GraphDatabaseSettings.auth_enabled, false)
                .setConfig(GraphDatabaseSettings.udc_enabled, false)
                .setConfig(GraphDatabaseInternalSettings.netty_server_shutdown_quiet_period, Duration.ZERO)
                // a query is planned once, not again for every power of ten its list parameters' lengths reach
                // (ingest's batches of files and edges each were: 30-50 ms of a cold process's Neo4j worker per plan)
                .setConfig(GraphDatabaseInternalSettings.cypher_size_hint_parameters, false)
                .setConfig(GraphDatabaseSettings.preallocate_logical_logs, !lean)
                .setConfig(GraphDatabaseSettings.pagecache_memory, ByteUnit.mebiBytes(lean ? 128 : 512))
                .setConfig(GraphDatabaseSettings.keep_logical_logs, "keep_none")
                .setUserLogProvider(NullLogProvider.getInstance());
    }

    /**
     * Starts (or opens) the database in {@code home}. {@code lean} turns off log preallocation and
     * keeps the page cache small, for tests and short-lived command-line runs.
     */
    public static EmbeddedNeo4j start(Path home, boolean lean) {
        try {
            Files.createDirectories(home);
        } catch (IOException e) {
            throw new GraphException("cannot create the graph data folder " + home + " (" + e.getMessage() + "); pass a writable folder with --data", e);
        }
        DatabaseManagementService dbms;
        try {
            dbms = settings(home, lean).build();
        } catch (RuntimeException e) {
            String msg = String.valueOf(e.getMessage()) + (e.getCause() != null ? " / " + e.getCause().getMessage() : "");
            if (msg.contains("lock") || msg.contains("Lock")) {
                throw new GraphException("the graph data folder " + home + " is in use by another Carto or Neo4j process; stop it, or use another folder with --data", e);
            }
            throw new GraphException("the embedded Neo4j in " + home + " failed to start: " + msg + ". Its log is in " + home.resolve("logs"), e);
        }
        try {
            GraphDatabaseAPI db = (GraphDatabaseAPI) dbms.database(GraphDatabaseSettings.DEFAULT_DATABASE_NAME);
            db.getDependencyResolver().resolveDependency(GlobalProcedures.class).registerProcedure(CartoProcedures.class);
            var port = db.getDependencyResolver().resolveDependency(ConnectorPortRegister.class).getLocalAddress(ConnectorType.BOLT);
            return new EmbeddedNeo4j(dbms, URI.create("bolt://127.0.0.1:" + port.getPort()), home);
        } catch (RuntimeException | org.neo4j.internal.kernel.api.exceptions.ProcedureException e) {
            dbms.shutdown();
            throw new GraphException("the embedded Neo4j started but could not be set up: " + e.getMessage(), e);
        }
    }

    public URI boltUri() {
        return boltUri;
    }

    public Path home() {
        return home;
    }

    @Override
    public void close() {
        dbms.shutdown();
    }
}
