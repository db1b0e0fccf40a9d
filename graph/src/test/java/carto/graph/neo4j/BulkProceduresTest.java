package carto.graph.neo4j;

import org.junit.jupiter.api.Test;
import org.neo4j.procedure.Procedure;

import java.util.Arrays;
import java.util.Set;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The procedures the graph client requires before it writes in bulk are exactly the ones the plugin declares. */
class BulkProceduresTest {
    @Test
    void theClientRequiresEveryProcedureThePluginDeclares() {
        Set<String> declared = Arrays.stream(CartoProcedures.class.getMethods())
                .filter(m -> m.isAnnotationPresent(Procedure.class))
                .map(m -> m.getAnnotation(Procedure.class).name())
                .collect(Collectors.toSet());
        assertEquals(declared, Neo4jCodeGraph.BULK_PROCEDURES);
    }
}
