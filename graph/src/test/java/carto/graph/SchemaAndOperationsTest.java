package carto.graph;

import carto.graph.neo4j.CartoProcedures;
import carto.graph.neo4j.Neo4jCodeGraph;
import org.junit.jupiter.api.Test;
import org.neo4j.driver.Session;
import org.neo4j.driver.exceptions.ClientException;

import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A connection learns from the procedures which indexes are online and creates the schema only
 * when something is missing; an operation the plugin does not know is a clear error.
 */
class SchemaAndOperationsTest {
    private static Set<String> onlineIndexes() {
        try (Session s = TestGraph.graph().session()) {
            return new TreeSet<>(s.run("SHOW INDEXES YIELD name, state WHERE state = 'ONLINE' RETURN name").list(r -> r.get("name").asString()));
        }
    }

    @Test
    void aMissingIndexIsMadeAgainAndAnOldOneDroppedByTheNextConnection() {
        TestGraph.graph();
        try (Session s = TestGraph.graph().session()) {
            s.run("DROP INDEX text_path").consume();
            s.run("CREATE INDEX ast_path IF NOT EXISTS FOR (n:AstNode) ON (n.repoId, n.path)").consume();
            s.run("CALL db.awaitIndexes(60)").consume();
        }
        assertFalse(onlineIndexes().contains("text_path"));
        try (Neo4jCodeGraph g = Neo4jCodeGraph.connect(TestGraph.server().boltUri(), null, null, null)) {
            assertTrue(g.bulkWrites());
            g.initSchema();
        }
        Set<String> now = onlineIndexes();
        assertTrue(now.containsAll(Set.of("file_path", "file_basename", "ast_definition", "ast_name", "text_path", "repository_id")), now.toString());
        assertFalse(now.contains("ast_path"), now.toString());
    }

    @Test
    void everyOperationTheClientRequiresIsOneItsProcedureRuns() {
        // the client requires these of a server's plugin; each must be dispatched, whatever it then makes of empty arguments
        for (boolean write : new boolean[]{false, true}) {
            String procedure = write ? "carto.write" : "carto.read";
            for (String op : write ? CartoProcedures.WRITES : CartoProcedures.READS) {
                try (Session s = TestGraph.graph().session()) {
                    s.run("CALL " + procedure + "($op, {}) YIELD result RETURN result", Map.of("op", op)).consume();
                } catch (ClientException e) {
                    assertFalse(e.getMessage().contains("has no operation"), procedure + " " + op + ": " + e.getMessage());
                }
            }
        }
    }

    @Test
    void anOperationThePluginDoesNotKnowNamesTheProcedureAndTheJar() {
        try (Session s = TestGraph.graph().session()) {
            ClientException e = assertThrows(ClientException.class,
                    () -> s.run("CALL carto.write($op, {}) YIELD result RETURN result", Map.of("op", "dropEverything")).consume());
            assertTrue(e.getMessage().contains("carto.write has no operation 'dropEverything'"), e.getMessage());
            assertTrue(e.getMessage().contains("plugin jar"), e.getMessage());
            assertTrue(e.getMessage().contains("writeFiles"), e.getMessage());
        }
    }
}
