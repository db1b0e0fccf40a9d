package carto.graph.neo4j;

import org.junit.jupiter.api.Test;
import org.neo4j.procedure.Procedure;

import java.util.Arrays;
import java.util.Set;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The graph client calls exactly the procedures and operations the plugin declares. */
class BulkProceduresTest {
    @Test
    void theClientRequiresEveryOperationThePluginDeclares() {
        Set<String> declared = Arrays.stream(CartoProcedures.class.getMethods())
                .filter(m -> m.isAnnotationPresent(Procedure.class))
                .map(m -> m.getAnnotation(Procedure.class).name())
                .collect(Collectors.toSet());
        assertEquals(Set.of("carto.read", "carto.write"), declared);
        assertEquals(CartoProcedures.READS, Neo4jCodeGraph.READS);
        assertEquals(CartoProcedures.WRITES, Neo4jCodeGraph.WRITES);
    }
}
