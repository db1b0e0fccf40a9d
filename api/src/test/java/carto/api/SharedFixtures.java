package carto.api;

import org.junit.jupiter.api.Assumptions;

import java.nio.file.Files;
import java.nio.file.Path;

/** The shared model fixtures (../shared next to the checkout); tests skip with a message when absent. */
final class SharedFixtures {
    private SharedFixtures() {}

    static Path model(String name) {
        String prop = System.getProperty("carto.shared");
        Path p = prop == null ? null : Path.of(prop, "fixtures", "models", name);
        Assumptions.assumeTrue(p != null && Files.exists(p), "SKIPPED: shared fixture model " + name + " is absent (../shared/fixtures/models)");
        return p;
    }
}
