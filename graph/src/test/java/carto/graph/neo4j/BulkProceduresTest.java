package carto.graph.neo4j;

import org.junit.jupiter.api.Test;
import org.neo4j.procedure.Procedure;

import java.util.Arrays;
import java.util.Set;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The plugin declares the two procedures the graph client calls (its operations: SchemaAndOperationsTest). */
class BulkProceduresTest {
    @Test
    void thePluginDeclaresTheReadAndWriteProcedures() {
        Set<String> declared = Arrays.stream(CartoProcedures.class.getMethods())
                .filter(m -> m.isAnnotationPresent(Procedure.class))
                .map(m -> m.getAnnotation(Procedure.class).name())
                .collect(Collectors.toSet());
        assertEquals(Set.of("carto.read", "carto.write"), declared);
    }
}
