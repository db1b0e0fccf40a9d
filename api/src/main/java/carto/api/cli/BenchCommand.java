package carto.api.cli;

import carto.api.Json;
import carto.graph.KnowledgeGraph;
import carto.inference.bench.InferenceBenchmark;
import carto.ingest.IngestOptions;
import carto.ingest.IngestSummary;
import carto.ingest.Ingestor;
import carto.ingest.IngestListener;
import carto.ingest.parse.AstDepth;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Stream;

@Command(name = "bench", description = "Benchmarks that print JSON.", subcommands = {BenchCommand.Ingest.class, BenchCommand.Inference.class, BenchCommand.Pie.class})
public final class BenchCommand implements Runnable {
    @Override
    public void run() {
        throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(this), "choose a benchmark: ingest, inference or pie");
    }

    @Command(name = "ingest", description = "Ingest speed into a fresh embedded Neo4j with the Lucene index, and a one-file incremental re-ingest.")
    public static final class Ingest implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "PATH", description = "Repository folder.")
        Path path;

        @Option(names = "--data", paramLabel = "DIR", description = "Graph data folder (default: a fresh temporary folder, deleted afterwards).")
        Path data;

        @Option(names = "--ast-depth", defaultValue = "statements", description = "declarations, statements or full.")
        String depth;

        @Option(names = "--warm", description = "Ingest once into a throw-away repository first, so the figures show a warmed-up JVM (as in a running carto serve).")
        boolean warm;

        @Override
        public Integer call() throws Exception {
            Path dir = data != null ? data : Files.createTempDirectory("carto-bench-ingest");
            Map<String, Object> r = new LinkedHashMap<>();
            try (KnowledgeGraph kg = KnowledgeGraph.open(new KnowledgeGraph.Config(dir, null, null, null, null, false))) {
                r.put("repository", path.toAbsolutePath().normalize().toString());
                r.put("neo4j_startup_seconds", round(kg.startupSeconds()));
                Ingestor ingestor = new Ingestor(kg.graph(), kg.index());
                IngestOptions o = new IngestOptions("bench", AstDepth.parse(depth), IngestOptions.DEFAULT_MAX_FILE_SIZE,
                        Runtime.getRuntime().availableProcessors(), true);
                if (warm) {
                    IngestOptions w = new IngestOptions("bench-warmup", o.depth(), o.maxFileSize(), o.threads(), true);
                    ingestor.ingest(path, w, IngestListener.NONE);
                    kg.graph().deleteRepository("bench-warmup");
                    kg.index().deleteRepository("bench-warmup");
                }
                // a fresh ingest is what is timed, also in a --data folder that holds an earlier run's
                kg.graph().deleteRepository("bench");
                kg.index().deleteRepository("bench");
                r.put("jvm", warm ? "warm (after one throw-away ingest)" : "cold (first ingest of this process)");
                r.put("tree_sitter", carto.ingest.parse.TreeSitterParser.runtime());
                System.gc();
                resetPeaks();
                Map<String, Double> cpuBefore = ThreadCpu.byThreadGroup();
                IngestSummary s = ingestor.ingest(path, o, IngestListener.NONE);
                Map<String, Double> cpu = ThreadCpu.since(cpuBefore);
                long peak = peakHeap();
                double secs = s.time().toNanos() / 1e9;
                r.put("files", s.files());
                r.put("lines", s.lines());
                r.put("files_by_language", s.filesByLanguage());
                long[] counts = kg.graph().counts("bench");
                r.put("nodes", counts[0]);
                r.put("edges", counts[1]);
                r.put("semantic_edges", s.semanticEdges());
                r.put("seconds", round(secs));
                r.put("lines_per_second", Math.round(s.lines() / secs));
                r.put("peak_heap_bytes", peak);
                r.put("phase_seconds", s.phaseSeconds());
                if (!cpu.isEmpty()) r.put("cpu_seconds_by_thread", cpu);
                Path touched = firstCodeFile(path);
                if (touched == null) r.put("incremental_skipped", "no code file in a language the benchmark knows how to edit");
                if (touched != null) {
                    byte[] original = Files.readAllBytes(touched);
                    try {
                        // an edit that leaves the declarations as they are (as most edits inside a function do)
                        Files.write(touched, append(original, "\n"));
                        IngestSummary inc = ingestor.ingest(path, o, IngestListener.NONE);
                        r.put("incremental_file", path.toAbsolutePath().normalize().relativize(touched.toAbsolutePath().normalize()).toString());
                        r.put("incremental_seconds", round(inc.time().toNanos() / 1e9));
                        r.put("incremental_files_resolved", inc.resolvedFiles());
                        r.put("incremental_files_read", inc.filesRead());
                        r.put("incremental_phase_seconds", inc.phaseSeconds());
                        // the same kind of edit again: what a running server sees on every save after the first
                        Files.write(touched, append(original, "\n\n"));
                        IngestSummary again = ingestor.ingest(path, o, IngestListener.NONE);
                        r.put("incremental_repeat_seconds", round(again.time().toNanos() / 1e9));
                        // an edit that adds a definition: the files naming it (if any) are resolved again
                        Files.write(touched, append(original, "\n" + probeDefinition(touched) + "\n"));
                        IngestSummary declared = ingestor.ingest(path, o, IngestListener.NONE);
                        r.put("incremental_declaration_seconds", round(declared.time().toNanos() / 1e9));
                        r.put("incremental_declaration_files_resolved", declared.resolvedFiles());
                    } finally {
                        Files.write(touched, original);
                    }
                }
            } finally {
                if (data == null) deleteTree(dir);
            }
            System.out.println(Json.write(r));
            return 0;
        }

        private static byte[] append(byte[] b, String text) {
            byte[] tail = text.getBytes(java.nio.charset.StandardCharsets.UTF_8);
            byte[] out = java.util.Arrays.copyOf(b, b.length + tail.length);
            System.arraycopy(tail, 0, out, b.length, tail.length);
            return out;
        }

        /** A new top-level definition in the language of {@code file} (one of {@link #firstCodeFile}'s extensions). */
        static String probeDefinition(Path file) {
            String name = file.getFileName().toString();
            return switch (name.substring(name.lastIndexOf('.') + 1)) {
                case "java" -> "class CartoBenchProbe {\n    void probe() {\n    }\n}";
                case "py" -> "def carto_bench_probe():\n    return None";
                case "c" -> "static void carto_bench_probe(void) {\n}";
                case "go" -> "func cartoBenchProbe() {\n}";
                case "rs" -> "fn carto_bench_probe() {\n}";
                case "cpp", "cc" -> "static void carto_bench_probe() {\n}";
                case "rb" -> "def carto_bench_probe\nend";
                case "php" -> "function carto_bench_probe() {\n}"; // a file ending in PHP code (a closing ?> would make it text)
                case "kt" -> "fun cartoBenchProbe() {\n}";
                case "cs" -> "class CartoBenchProbe {\n    void Probe() {\n    }\n}";
                case "sh" -> "carto_bench_probe() {\n  :\n}";
                default -> "function cartoBenchProbe() {\n}"; // ts, js
            };
        }

        private static Path firstCodeFile(Path root) throws java.io.IOException {
            try (Stream<Path> s = Files.walk(root)) {
                return s.filter(Files::isRegularFile)
                        .filter(p -> p.toString().matches(".*\\.(java|py|c|cpp|cc|ts|js|go|rs|rb|php|kt|cs|sh)$"))
                        .filter(p -> !p.toString().contains("/.git/") && !p.toString().contains("/node_modules/"))
                        .min(Comparator.comparing(Path::toString)).orElse(null);
            }
        }
    }

    @Command(name = "inference", description = "Prompt processing and generation speed, load time, memory, and generation against the memory-bandwidth bound.")
    public static final class Inference implements Callable<Integer> {
        @Option(names = "--model", required = true, paramLabel = "FILE", description = "GGUF model.")
        Path model;

        @Option(names = "--threads", defaultValue = "2", description = "Threads (default ${DEFAULT-VALUE}).")
        int threads;

        @Option(names = "--prompt-tokens", defaultValue = "128")
        int promptTokens;

        @Option(names = "--gen-tokens", defaultValue = "64")
        int genTokens;

        @Option(names = "--repeats", defaultValue = "5", description = "Timed runs after one untimed warm-up run; the best and the median are reported (default ${DEFAULT-VALUE}).")
        int repeats;

        @Override
        public Integer call() {
            System.out.println(Json.write(InferenceBenchmark.run(new InferenceBenchmark.Options(model, threads, promptTokens, genTokens, repeats))));
            return 0;
        }
    }

    @Command(name = "pie", description = "Cache update after an edit: exact re-encoding vs PIE vs splice, time to first token, and PIE's top-1 agreement with exact over an edit trace of real code.")
    public static final class Pie implements Callable<Integer> {
        @Option(names = "--model", required = true, paramLabel = "FILE", description = "GGUF model.")
        Path model;

        @Option(names = "--threads", defaultValue = "2", description = "Threads (default ${DEFAULT-VALUE}).")
        int threads;

        @Option(names = "--contexts", split = ",", defaultValue = "1024,2048,4096", description = "Context lengths in tokens (default ${DEFAULT-VALUE}).")
        int[] contexts;

        @Option(names = "--edits", split = ",", defaultValue = "1,10,50", description = "Edit sizes in tokens (default ${DEFAULT-VALUE}).")
        int[] edits;

        @Option(names = "--repeats", defaultValue = "5", description = "Timed runs of pie and splice; the median is reported (default ${DEFAULT-VALUE}).")
        int repeats;

        @Option(names = "--exact-repeats", defaultValue = "1", description = "Timed runs of exact re-encoding (default ${DEFAULT-VALUE}; it takes seconds).")
        int exactRepeats;

        @Option(names = "--corpus", paramLabel = "FILE", description = "Code the contexts are made of: a source file or a HumanEval-infilling .jsonl "
                + "(default: ../shared/datasets/fim/HumanEval-MultiLineInfilling.dev.jsonl when present).")
        Path corpus;

        @Option(names = "--trace", paramLabel = "FILE", description = "HumanEval-infilling .jsonl for the agreement trace (default: the multi-line dev set when present).")
        Path trace;

        @Option(names = "--trace-tasks", defaultValue = "20", description = "Tasks of the trace to replay (default ${DEFAULT-VALUE}; 0 skips the agreement).")
        int traceTasks;

        @Override
        public Integer call() {
            Path dataset = sharedFim();
            Path c = corpus != null ? corpus : dataset;
            Path t = trace != null ? trace : dataset;
            if (c == null) {
                throw new IllegalArgumentException("no corpus to build contexts from: pass --corpus FILE (source code, or a HumanEval-infilling .jsonl)");
            }
            if (t == null && traceTasks > 0) {
                System.err.println("carto: no edit trace (pass --trace FILE.jsonl); agreement is not measured");
            }
            var r = carto.inference.bench.PieBenchmark.run(new carto.inference.bench.PieBenchmark.Options(model, threads, contexts, edits,
                    Math.max(1, repeats), Math.max(1, exactRepeats), c, t, traceTasks), msg -> System.err.println("carto: " + msg));
            System.out.println(Json.write(r));
            return 0;
        }

        private static Path sharedFim() {
            for (Path base : new Path[]{Path.of("../shared"), Path.of(System.getProperty("carto.home", ".")).resolve("../shared")}) {
                Path p = base.resolve("datasets/fim/HumanEval-MultiLineInfilling.dev.jsonl");
                if (Files.isRegularFile(p)) return p.toAbsolutePath().normalize();
            }
            return null;
        }
    }

    static double round(double v) {
        return Math.round(v * 1000) / 1000.0;
    }

    static void resetPeaks() {
        for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans()) p.resetPeakUsage();
    }

    static long peakHeap() {
        long sum = 0;
        for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans()) if (p.getType() == MemoryType.HEAP) sum += p.getPeakUsage().getUsed();
        return sum;
    }

    static void deleteTree(Path dir) {
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (java.io.IOException ignored) {
            // best effort for a temporary folder
        }
    }
}
