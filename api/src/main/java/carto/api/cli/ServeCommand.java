package carto.api.cli;

import carto.api.server.CartoServer;
import carto.graph.KnowledgeGraph;
import carto.inference.lm.LanguageModel;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

@Command(name = "serve", description = "Start the Carto server (REST API, OpenAI-compatible model API, web UI) with the embedded Neo4j by default.")
public final class ServeCommand implements Callable<Integer> {
    @Option(names = "--port", defaultValue = "7070", description = "HTTP port (default ${DEFAULT-VALUE}).")
    int port;

    @Option(names = "--host", defaultValue = "127.0.0.1", description = "Interface to listen on (default ${DEFAULT-VALUE}; 0.0.0.0 for all).")
    String host;

    @Option(names = "--session-memory", paramLabel = "SIZE", description = "KV-cache memory all completion sessions together may use, e.g. 512m or 2g "
            + "(default: a quarter of the Java heap); least recently used sessions are evicted beyond it.")
    String sessionMemory;

    @Option(names = "--server-api-key", paramLabel = "KEY", description = "Key clients must send (Authorization: Bearer KEY) for /v1 endpoints; "
            + "required when --host is not a loopback address. Env: CARTO_SERVER_API_KEY.")
    String serverKey;

    @Option(names = "--max-request-size", paramLabel = "SIZE", defaultValue = "1m", description = "Largest request body (default ${DEFAULT-VALUE}).")
    String maxRequest;

    @Option(names = "--workers", paramLabel = "N", defaultValue = "2", description = "Jobs (ingests, issue resolutions) that run at once (default ${DEFAULT-VALUE}); "
            + "one at a time per repository.")
    int workers;

    @Option(names = "--allow-unsandboxed", description = "Run repository commands (tests, builds) without bubblewrap when it is missing. "
            + "Only for repositories you trust.")
    boolean allowUnsandboxed;

    @Mixin
    GraphOptions graph;

    @Mixin
    ModelOptions model;

    @Override
    public Integer call() throws Exception {
        long sessionBytes = sessionMemory == null ? 0 : parseSize(sessionMemory, "--session-memory");
        KnowledgeGraph kg = graph.open(false);
        LanguageModel lm = model.configured() ? model.open() : null;
        String key = serverKey != null ? serverKey : System.getenv("CARTO_SERVER_API_KEY");
        CartoServer.Options opts = new CartoServer.Options(host, port, key, parseSize(maxRequest, "--max-request-size"), graph.dataDir(), workers,
                sessionBytes, allowUnsandboxed);
        CartoServer server;
        try {
            server = new CartoServer(kg, lm, opts).start();
        } catch (RuntimeException e) {
            if (lm != null) lm.close();
            kg.close();
            throw e;
        }
        CountDownLatch stop = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            if (lm != null) lm.close();
            kg.close();
            stop.countDown();
        }));
        System.out.println("Carto is running at http://" + (host.equals("0.0.0.0") ? "localhost" : host) + ":" + server.port());
        System.out.println("  graph: " + kg.location());
        System.out.println("  model: " + (lm != null ? lm.name() : "none (start with --model FILE.gguf or --remote-url URL --remote-model NAME)"));
        System.out.println("Press Ctrl-C to stop.");
        stop.await();
        return 0;
    }

    /** "512m", "2g", "1048576", "64k" (binary units). */
    static long parseSize(String s, String option) {
        String t = s.strip().toLowerCase(java.util.Locale.ROOT);
        long unit = 1;
        if (t.endsWith("b")) t = t.substring(0, t.length() - 1);
        if (t.endsWith("k")) unit = 1L << 10;
        else if (t.endsWith("m")) unit = 1L << 20;
        else if (t.endsWith("g")) unit = 1L << 30;
        if (unit > 1) t = t.substring(0, t.length() - 1);
        try {
            double v = Double.parseDouble(t);
            if (v <= 0) throw new NumberFormatException();
            return (long) (v * unit);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(option + " '" + s + "' is not a size; write it like 512m or 2g");
        }
    }
}
