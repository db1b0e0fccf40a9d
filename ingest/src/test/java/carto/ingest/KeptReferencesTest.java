package carto.ingest;

import carto.ingest.parse.RawReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/** What a long-running process keeps of each file's names counts only for the content (and package) it was taken from. */
class KeptReferencesTest {
    static final List<RawReference> REFS = List.of(new RawReference(RawReference.Kind.CALL, "area", null, 40, 3));

    @AfterEach
    void forget() {
        KeptReferences.clear();
    }

    @Test
    void aFileIsKeptForItsStampOnlyAndPerRepository() {
        Path a = Path.of("/repos/a"), b = Path.of("/repos/b");
        KeptReferences.of(a).put("shapes.py", "h1/STATEMENTS/pkg.", REFS);
        assertEquals(REFS, KeptReferences.of(a).get("shapes.py", "h1/STATEMENTS/pkg."), "a later ingest of the same repository finds it");
        assertNull(KeptReferences.of(a).get("shapes.py", "h2/STATEMENTS/pkg."), "changed content");
        assertNull(KeptReferences.of(a).get("shapes.py", "h1/STATEMENTS/"), "moved out of its package");
        assertNull(KeptReferences.of(b).get("shapes.py", "h1/STATEMENTS/pkg."), "another repository");
        KeptReferences.of(a).remove(List.of("shapes.py"));
        assertNull(KeptReferences.of(a).get("shapes.py", "h1/STATEMENTS/pkg."), "deleted");
    }

    @Test
    void atMostTwoRepositoriesAreKept() {
        for (String r : List.of("a", "b", "c")) KeptReferences.of(Path.of("/repos", r)).put("x.c", "h", REFS);
        assertNull(KeptReferences.of(Path.of("/repos/a")).get("x.c", "h"), "the least recently used one is dropped");
        assertEquals(REFS, KeptReferences.of(Path.of("/repos/c")).get("x.c", "h"));
    }
}
