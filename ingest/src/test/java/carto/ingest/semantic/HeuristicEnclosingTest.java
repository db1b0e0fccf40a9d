package carto.ingest.semantic;

import carto.graph.CodeGraph;
import carto.graph.SemanticEdge;
import carto.ingest.parse.RawReference;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A call is attributed to the innermost definition around it, however the file's definitions nest, or to its file outside them all. */
class HeuristicEnclosingTest {

    @Test
    void aCallComesFromTheInnermostDefinitionAroundIt() {
        Random random = new Random(7);
        for (int round = 0; round < 200; round++) {
            List<CodeGraph.Definition> defs = new ArrayList<>();
            nest(random, defs, 0, 2_000, 0);
            List<CodeGraph.Definition> shuffled = new ArrayList<>(defs);
            Collections.shuffle(shuffled, random);
            CodeGraph.Definition target = new CodeGraph.Definition("b.ts", "target", "function", "b.target", 0, 10, 1, 1);
            shuffled.add(target);
            HeuristicResolver resolver = new HeuristicResolver(shuffled, Map.of("a.ts", "typescript", "b.ts", "typescript"), null);
            List<RawReference> calls = new ArrayList<>();
            for (int at = 0; at < 2_010; at += 1 + random.nextInt(7)) calls.add(new RawReference(RawReference.Kind.CALL, "target", null, at, 1));
            List<SemanticEdge> edges = resolver.resolve("a.ts", calls);
            // what the edges say, call by call: each call gives one edge (the order of the calls), from the file outside every definition
            int e = 0;
            for (RawReference call : calls) {
                CodeGraph.Definition expected = innermost(defs, call.startByte());
                assertTrue(e < edges.size(), "round " + round + ": no edge for the call at " + call.startByte());
                SemanticEdge edge = edges.get(e++);
                assertEquals(expected == null ? SemanticEdge.FILE : expected.startByte(), edge.fromStartByte(),
                        "round " + round + ": caller of the call at " + call.startByte());
                assertEquals("b.ts", edge.toPath());
            }
            assertEquals(e, edges.size(), "round " + round + ": one edge per call");
        }
    }

    /** Definitions inside [from, to): siblings with gaps, some sharing their parent's start, some the same range twice. */
    private static void nest(Random random, List<CodeGraph.Definition> out, int from, int to, int depth) {
        int at = from + (random.nextInt(3) == 0 ? 0 : random.nextInt(Math.max(1, (to - from) / 8)));
        while (at < to - 2 && depth < 5) {
            int end = Math.min(to, at + 2 + random.nextInt(Math.max(1, (to - from) / 2)));
            if (random.nextInt(4) == 0 && depth > 0) end = to; // ends with its parent
            String name = "f" + out.size();
            out.add(new CodeGraph.Definition("a.ts", name, random.nextBoolean() ? "function" : "class", "a." + name, at, end, 1, 1));
            if (random.nextInt(10) == 0) out.add(new CodeGraph.Definition("a.ts", name + "x", "function", "a." + name + "x", at, end, 1, 1));
            if (end - at > 4) nest(random, out, at, end, depth + 1);
            at = end + random.nextInt(20);
        }
    }

    /** The smallest definition containing the offset; of two with the same range, the one listed later. */
    private static CodeGraph.Definition innermost(List<CodeGraph.Definition> defs, int at) {
        CodeGraph.Definition best = null;
        for (CodeGraph.Definition d : defs) {
            if (d.startByte() <= at && at < d.endByte() && (best == null || d.endByte() - d.startByte() <= best.endByte() - best.startByte())) best = d;
        }
        return best;
    }
}
