package carto.api;

import java.util.logging.Level;
import java.util.logging.LogManager;
import java.util.logging.Logger;

/** Quiet by default (warnings only, on stderr); {@code --verbose} shows what every component does. */
public final class Logging {
    /**
     * Lucene's note on whether it may use SIMD: it warns when C2 is off (ingest jobs on small
     * machines run with C1 only), though Carto's keyword search has no use for it. Held here so
     * java.util.logging cannot drop the logger and its level.
     */
    private static final Logger LUCENE_VECTORIZATION = Logger.getLogger("org.apache.lucene.internal.vectorization");

    private Logging() {}

    public static void configure(boolean verbose) {
        System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", verbose ? "debug" : "warn");
        System.setProperty("org.slf4j.simpleLogger.logFile", "System.err");
        System.setProperty("org.slf4j.simpleLogger.showDateTime", "true");
        System.setProperty("org.slf4j.simpleLogger.dateTimeFormat", "HH:mm:ss.SSS");
        System.setProperty("org.slf4j.simpleLogger.log.org.eclipse.jetty", verbose ? "info" : "warn");
        System.setProperty("org.slf4j.simpleLogger.log.io.javalin", verbose ? "info" : "warn");
        // java.util.logging: Lucene and the Neo4j driver log through it
        LogManager.getLogManager().reset();
        Logger root = Logger.getLogger("");
        var handler = new java.util.logging.ConsoleHandler();
        handler.setLevel(verbose ? Level.FINE : Level.WARNING);
        root.addHandler(handler);
        root.setLevel(verbose ? Level.FINE : Level.WARNING);
        LUCENE_VECTORIZATION.setLevel(verbose ? Level.FINE : Level.SEVERE);
    }
}
