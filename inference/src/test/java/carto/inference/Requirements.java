package carto.inference;

import org.junit.jupiter.api.Assumptions;

/**
 * What a test class needs from the machine (a tool, a dataset), checked once in its
 * {@code @BeforeAll}: when something is missing, each test of the class is reported as skipped
 * with the reason, from {@link #assume()} in a {@code @BeforeEach}. An assumption that fails in
 * {@code @BeforeAll} instead makes Surefire count the class as no tests at all, so a machine
 * without bubblewrap showed a smaller suite rather than skipped tests.
 */
public final class Requirements {
    private String missing;

    /** Records {@code why} as the reason to skip when {@code met} is false (the first such reason counts). */
    public Requirements need(boolean met, String why) {
        if (!met && missing == null) missing = why;
        return this;
    }

    /** Whether everything needed is there, so {@code @BeforeAll} goes on to set the class up. */
    public boolean met() {
        return missing == null;
    }

    /** Skips the current test, naming what is missing, when something is. */
    public void assume() {
        Assumptions.assumeTrue(missing == null, missing);
    }
}
