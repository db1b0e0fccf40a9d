package carto.api.cli;

import carto.api.Json;
import carto.api.ProgressBar;
import carto.graph.KnowledgeGraph;
import carto.ingest.IngestListener;
import carto.ingest.IngestOptions;
import carto.ingest.IngestSummary;
import carto.ingest.Ingestor;
import carto.ingest.parse.AstDepth;
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
        IngestOptions o = new IngestOptions(repoId, AstDepth.parse(depth), maxFileSize, Runtime.getRuntime().availableProcessors(), !full);
        try (KnowledgeGraph kg = graph.open(true)) {
            IngestSummary s = run(kg, path, o);
            System.out.print(json ? Json.write(s) + "\n" : s.render());
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
