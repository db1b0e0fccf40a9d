package carto.api.cli;

import carto.api.Json;
import carto.api.ProgressBar;
import carto.api.RunningServer;
import carto.graph.KnowledgeGraph;
import carto.ingest.IngestListener;
import carto.ingest.IngestOptions;
import carto.ingest.IngestSummary;
import carto.ingest.Ingestor;
import carto.ingest.parse.AstDepth;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.util.concurrent.Callable;

@Command(name = "ingest", description = "Turn a repository into its knowledge graph (incremental on re-runs).")
public final class IngestCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "PATH", description = "Root folder of the repository.")
    Path path;

    @Option(names = "--repo-id", paramLabel = "ID", description = "Id to store it under (default: folder name and a short hash of its path).")
    String repoId;

    @Option(names = "--full", description = "Rebuild from scratch instead of re-ingesting only what changed.")
    boolean full;

    @Option(names = "--ast-depth", paramLabel = "DEPTH", description = "declarations, statements (default) or full.", defaultValue = "statements")
    String depth;

    @Option(names = "--max-file-size", paramLabel = "BYTES", description = "Files larger than this are kept without content (default: ${DEFAULT-VALUE}).", defaultValue = "2097152")
    long maxFileSize;

    @Option(names = "--json", description = "Print the summary as JSON.")
    boolean json;

    @Mixin
    GraphOptions graph;

    @Override
    public Integer call() throws Exception {
        if (maxFileSize < 1) throw new IllegalArgumentException("--max-file-size must be a positive number of bytes, not " + maxFileSize);
        IngestOptions o = new IngestOptions(repoId, AstDepth.parse(depth), maxFileSize, Runtime.getRuntime().availableProcessors(), !full);
        // a carto serve on this data folder holds its graph and index: the ingest runs there
        var server = graph.runningServer();
        if (server.isPresent()) return throughServer(server.get(), o);
        try (KnowledgeGraph kg = graph.open(true)) {
            IngestSummary s = run(kg, path, o);
            System.out.print(json ? Json.write(s) + "\n" : s.render());
        }
        return 0;
    }

    /**
     * The ingest as a job of the running server: submitted over its REST API, followed through its
     * event stream (the progress bar as for a local run), cancelled there on Ctrl-C.
     */
    private int throughServer(RunningServer server, IngestOptions o) throws java.io.IOException {
        Path root = Ingestor.repositoryRoot(path); // refused as a local ingest refuses it, before anything is sent
        System.err.println("carto: " + server.describe() + " holds " + graph.dataDir() + "; the ingest runs there");
        ObjectNode body = Json.MAPPER.createObjectNode().put("path", root.toString()).put("full", full)
                .put("ast_depth", o.depth().name().toLowerCase(java.util.Locale.ROOT)).put("max_file_size", maxFileSize);
        if (repoId != null) body.put("repo_id", repoId);
        String jobId = server.post("/v1/repositories", body).path("job").path("id").asText();
        ProgressBar bar = new ProgressBar("files");
        Thread cancelOnExit = new Thread(() -> server.cancel(jobId), "carto-cancel-server-job");
        Runtime.getRuntime().addShutdownHook(cancelOnExit);
        JsonNode job;
        try {
            job = server.follow(jobId, e -> {
                JsonNode d = e.path("data").path("data");
                switch (e.path("type").asText()) {
                    case "step" -> bar.phase(d.path("phase").asText());
                    case "progress" -> bar.update(d.path("done").asLong(), d.path("total").asLong());
                    default -> { }
                }
            });
        } finally {
            bar.finish();
            try {
                Runtime.getRuntime().removeShutdownHook(cancelOnExit);
            } catch (IllegalStateException shuttingDown) {
                // the hook is running
            }
        }
        String state = job.path("state").asText().toLowerCase(java.util.Locale.ROOT);
        if (!state.equals("succeeded")) {
            throw new IllegalStateException("the ingest " + state + " on " + server.describe() + (job.hasNonNull("error") ? ": " + job.get("error").asText() : ""));
        }
        JsonNode result = job.path("result");
        if (json) {
            System.out.print(Json.write(result) + "\n");
        } else {
            try {
                System.out.print(Json.MAPPER.treeToValue(result, IngestSummary.class).render());
            } catch (com.fasterxml.jackson.core.JsonProcessingException | IllegalArgumentException e) {
                System.out.print(Json.write(result) + "\n"); // a server of another version: its summary as it sent it
            }
        }
        return 0;
    }

    static IngestSummary run(KnowledgeGraph kg, Path path, IngestOptions o) throws java.io.IOException {
        ProgressBar bar = new ProgressBar("files");
        try {
            return new Ingestor(kg.graph(), kg.index()).ingest(path, o, new IngestListener() {
                @Override
                public void phase(String name, int total) {
                    bar.phase(name);
                }

                @Override
                public void progress(int done, int total) {
                    bar.update(done, total);
                }
            });
        } finally {
            bar.finish();
        }
    }
}
