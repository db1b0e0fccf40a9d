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

    @Mixin
    GraphOptions graph;

    @Mixin
    ModelOptions model;

    @Override
    public Integer call() throws Exception {
        KnowledgeGraph kg = graph.open(false);
        LanguageModel lm = model.configured() ? model.open() : null;
        CartoServer server = new CartoServer(kg, lm, host, port).start();
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
}
