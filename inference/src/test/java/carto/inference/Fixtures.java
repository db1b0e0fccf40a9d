package carto.inference;

import org.junit.jupiter.api.Assumptions;

import java.nio.file.Files;
import java.nio.file.Path;

/** Locates the shared test data (../shared next to the checkout); tests skip with a message when it is absent. */
public final class Fixtures {
    private Fixtures() {}

    public static Path shared() {
        Path p = sharedIfPresent();
        Assumptions.assumeTrue(p != null,
                "SKIPPED: the shared fixtures folder (../shared/fixtures next to the repository) is absent; these tests need llama.cpp's reference data");
        return p;
    }

    /** The shared folder, or null when it is absent (for {@link Requirements} in a {@code @BeforeAll}). */
    public static Path sharedIfPresent() {
        String prop = System.getProperty("carto.shared");
        Path p = prop != null ? Path.of(prop) : null;
        if (p == null || !Files.isDirectory(p)) {
            Path dir = Path.of("").toAbsolutePath();
            while (dir != null && !Files.isDirectory(dir.resolve("../shared/fixtures"))) dir = dir.getParent();
            p = dir == null ? null : dir.resolve("../shared").normalize();
        }
        return p != null && Files.isDirectory(p.resolve("fixtures")) ? p : null;
    }

    /** A folder of the shared datasets, or null when it (or the shared folder) is absent. */
    public static Path datasetIfPresent(String name) {
        Path shared = sharedIfPresent();
        Path p = shared == null ? null : shared.resolve("datasets").resolve(name);
        return p != null && Files.isDirectory(p) ? p : null;
    }

    public static Path fixture(String relative) {
        Path p = shared().resolve("fixtures").resolve(relative);
        Assumptions.assumeTrue(Files.exists(p), "SKIPPED: fixture " + p + " is absent");
        return p;
    }
}
