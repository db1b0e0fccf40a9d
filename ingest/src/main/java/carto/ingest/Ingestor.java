package carto.ingest;

import carto.graph.CodeGraph;
import carto.graph.FileGraph;
import carto.graph.SemanticEdge;
import carto.graph.search.CodeIndex;
import carto.ingest.lang.Language;
import carto.ingest.lang.LanguageDetector;
import carto.ingest.parse.CodeFrontEnd;
import carto.ingest.parse.ParsedCode;
import carto.ingest.parse.RawReference;
import carto.ingest.parse.SyntaxTree;
import carto.ingest.parse.TreeSitterParser;
import carto.ingest.semantic.HeuristicResolver;
import carto.ingest.semantic.JavaSemantics;
import carto.ingest.semantic.JavaSolver;
import carto.ingest.text.TextChunker;
import carto.ingest.walk.RepositoryWalker;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.storage.file.FileRepositoryBuilder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Turns a repository folder into its knowledge graph and search index. A re-ingest compares
 * content hashes: only added and changed files are parsed and written, deleted ones removed,
 * and semantic edges re-resolved for the changed files and the files that use what they define.
 */
public final class Ingestor {
    private static final Logger log = LoggerFactory.getLogger(Ingestor.class);
    private static final Pattern JAVA_PACKAGE = Pattern.compile("(?m)^\\s*package\\s+([\\w.]+)\\s*;");
    private static final Pattern GO_MODULE = Pattern.compile("(?m)^module\\s+(\\S+)");
    private static final int CODE_CHUNK_LINES = 40;

    private final CodeGraph graph;
    private final CodeIndex index;
    /** Every file path of the repository being ingested (package detection needs its neighbours). */
    private volatile Set<String> allPaths = Set.of();

    public Ingestor(CodeGraph graph, CodeIndex index) {
        this.graph = graph;
        this.index = index;
    }

    /** One file as read from disk. */
    private record Source(String path, Language language, String text, byte[] utf8, String hash, long size, int lines,
                          String encoding, String skipReason) {}

    /** One file as parsed. */
    private record Parsed(Source source, FileGraph graph, List<RawReference> refs, List<CodeIndex.Doc> docs) {}

    /** A stable id for a folder: its name and a short hash of its absolute path. */
    public static String repositoryId(Path root) {
        Path abs = root.toAbsolutePath().normalize();
        String name = abs.getFileName() == null ? "root" : abs.getFileName().toString().toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9._-]+", "-");
        return name + "-" + sha1(abs.toString().getBytes(StandardCharsets.UTF_8)).substring(0, 6);
    }

    /** A repository's root folder as an ingest stores it (absolute, normalized); an error naming it when it is no folder. */
    public static Path repositoryRoot(Path root) throws IOException {
        Path abs = root.toAbsolutePath().normalize();
        if (!Files.exists(abs)) throw new IOException("no such folder: " + root);
        if (!Files.isDirectory(abs)) throw new IOException(root + " is a file; give the root folder of the repository");
        return abs;
    }

    public IngestSummary ingest(Path root, IngestOptions options, IngestListener listener) throws IOException {
        long t0 = System.nanoTime();
        Path abs = repositoryRoot(root);
        String repoId = options.repoId() != null ? options.repoId() : repositoryId(abs);
        String[] git = gitInfo(abs);
        String name = abs.getFileName() == null ? abs.toString() : abs.getFileName().toString();

        Map<String, Double> phases = new LinkedHashMap<>();
        long[] mark = {System.nanoTime()};
        // what the graph holds decides between a fresh ingest and a re-ingest
        CodeGraph.StoredFiles inGraph = options.incremental() ? graph.storedFiles(repoId) : new CodeGraph.StoredFiles(Map.of(), true, null);
        if (inGraph.path() != null && !inGraph.path().equals(abs.toString())) {
            // comparing another folder's files with these would replace that repository file by file
            throw new IOException("the repository id '" + repoId + "' already holds " + inGraph.path() + ", not " + abs
                    + "; give another --repo-id (repo_id), or --full (full: true) to rebuild it from this folder");
        }
        Map<String, String> held = inGraph.hashes();
        // an ingest killed half-way left files whose hashes are current but whose edges or index entries are missing
        boolean unfinished = !held.isEmpty() && !inGraph.lastIngestFinished();
        if (unfinished) log.info("the last ingest of {} did not finish: ingesting it afresh", repoId);
        Map<String, String> old = unfinished ? Map.of() : held;
        boolean fresh = old.isEmpty() || !options.incremental();
        mark[0] = phase(phases, "stored hashes", mark[0]);
        // a re-ingest resolves names against the definitions already in the graph: read them while the files are walked and parsed
        // (or take them from the last ingest of this process, when the graph still holds what it wrote)
        List<CodeGraph.Definition> keptDefinitions = fresh ? List.of() : KeptDefinitions.matching(abs, repoId, options.depth(), old);
        java.util.concurrent.CompletableFuture<List<CodeGraph.Definition>> stored = keptDefinitions != null
                ? java.util.concurrent.CompletableFuture.completedFuture(keptDefinitions)
                : java.util.concurrent.CompletableFuture.supplyAsync(() -> graph.definitions(repoId));
        listener.phase("walking", 0);
        RepositoryWalker.Result walk = new RepositoryWalker(options.maxFileSize()).walk(abs);
        List<IngestSummary.Skip> skips = new ArrayList<>();
        for (RepositoryWalker.Skipped s : walk.skipped()) skips.add(new IngestSummary.Skip(s.relativePath(), s.reason()));

        mark[0] = phase(phases, "walk", mark[0]);
        listener.phase("reading", walk.files().size());
        AtomicInteger filesRead = new AtomicInteger();
        List<Source> sources = read(abs, walk.files(), options.threads(), listener, skips, filesRead);
        for (RepositoryWalker.Skipped s : walk.skipped()) {
            if (s.keepNode()) sources.add(new Source(s.relativePath(), null, null, null, "skipped:" + s.reason(), 0, 0, null, s.reason()));
        }
        sources.sort((a, b) -> a.path().compareTo(b.path()));
        allPaths = sources.stream().map(Source::path).collect(java.util.stream.Collectors.toUnmodifiableSet());

        mark[0] = phase(phases, "read", mark[0]);
        if (!options.incremental() || unfinished) {
            graph.deleteRepository(repoId);
            index.deleteRepository(repoId);
        }
        List<Source> toWrite = new ArrayList<>();
        Set<String> current = new HashSet<>();
        int added = 0, changed = 0;
        for (Source s : sources) {
            current.add(s.path());
            String before = old.get(s.path());
            if (before == null) {
                added++;
                toWrite.add(s);
            } else if (!before.equals(stored(s.hash(), options))) {
                changed++;
                toWrite.add(s);
            }
        }
        List<String> deleted = old.keySet().stream().filter(p -> !current.contains(p)).sorted().toList();
        int unchanged = sources.size() - added - changed;

        mark[0] = phase(phases, "compare", mark[0]);
        // graph nodes and the search index are written in the background; on a fresh ingest the
        // writer starts with the first parsed files, a re-ingest first removes what it replaces
        ExecutorService background = Executors.newFixedThreadPool(2, r -> {
            Thread t = new Thread(r, "carto-ingest-write");
            t.setDaemon(true);
            return t;
        });
        boolean complete = false;
        try {
            GraphWriter writer = null;
            if (fresh) {
                graph.upsertRepository(repoId, name, abs.toString(), git[1], git[0]);
                writer = new GraphWriter(repoId, background);
            }
            listener.phase("parsing", toWrite.size());
            GraphWriter early = writer;
            List<Parsed> parsed;
            try {
                // while the writer runs, its transaction chain is the longest path: one thread fewer parses,
                // so Neo4j's worker keeps a core (jq on 2 cores: 2.20 s -> 2.08 s)
                int parsers = early == null ? options.threads() : Math.max(1, options.threads() - 1);
                parsed = parse(toWrite, parsers, options, listener, early == null ? p -> { } : p -> early.add(p.graph()));
            } finally {
                if (early != null) early.close();
            }
            List<IngestSummary.Skip> syntaxErrors = new ArrayList<>();
            for (Parsed p : parsed) {
                if (p.graph().file().parseError()) syntaxErrors.add(new IngestSummary.Skip(p.source().path(), p.graph().file().syntaxError()));
            }

            mark[0] = phase(phases, "parse", mark[0]);
            int resolved;
            // what the change affects: definitions and imports of changed and deleted files (before they are rewritten)
            Set<String> touched = new LinkedHashSet<>();
            toWrite.forEach(s -> { if (old.containsKey(s.path())) touched.add(s.path()); });
            touched.addAll(deleted);
            List<CodeGraph.Definition> previous = fresh ? List.of() : await(stored);
            List<CodeGraph.Definition> definitions = new ArrayList<>();
            for (CodeGraph.Definition d : previous) if (!touched.contains(d.path())) definitions.add(d);
            for (Parsed p : parsed) {
                for (FileGraph.AstNodeRecord a : p.graph().ast()) {
                    if (a.kind() != null) {
                        definitions.add(new CodeGraph.Definition(p.source().path(), a.name(), a.kind(), a.qualifiedName(), a.startByte(), a.endByte(),
                                a.startLine(), a.endLine()));
                    }
                }
            }
            Set<String> dependents = new LinkedHashSet<>();
            List<SemanticEdge> restored = new ArrayList<>();
            if (!fresh) {
                // an edit inside bodies or comments changes no other file's resolution, and one to some declarations
                // only that of the files naming them: those are resolved again; the other files' edges into the
                // edited file are read before it is rewritten and put back at its definitions' new positions
                // (jackson-databind, one method body: 8 files resolved -> 1)
                Map<String, ShapeChange> shaped = shapeChanges(repoId, parsed, old, previous);
                Set<String> reshaped = new LinkedHashSet<>(touched);
                reshaped.removeAll(shaped.keySet());
                Set<String> affectedNames = new HashSet<>();
                for (CodeGraph.Definition d : previous) if (reshaped.contains(d.path()) && d.name() != null) affectedNames.add(d.name());
                for (Parsed p : parsed) {
                    if (shaped.containsKey(p.source().path())) continue;
                    for (FileGraph.AstNodeRecord a : p.graph().ast()) if (a.name() != null && a.kind() != null) affectedNames.add(a.name());
                }
                for (ShapeChange c : shaped.values()) affectedNames.addAll(c.changedNames());
                for (String p : deleted) affectedNames.add(stem(p));
                for (Source s : toWrite) if (!old.containsKey(s.path())) affectedNames.add(stem(s.path()));
                if (!affectedNames.isEmpty() || !reshaped.isEmpty()) dependents.addAll(graph.filesReferencing(repoId, affectedNames, reshaped));
                for (SemanticEdge e : graph.semanticEdgesInto(repoId, shaped.keySet())) {
                    if (!current.contains(e.fromPath()) || touched.contains(e.fromPath()) || dependents.contains(e.fromPath())) continue;
                    Integer to = e.type() == SemanticEdge.Type.IMPORTS ? Integer.valueOf(0) : shaped.get(e.toPath()).moved().get(e.toStartByte());
                    if (to == null) {
                        dependents.add(e.fromPath()); // into a changed definition from a file not naming it: resolve that file again
                        continue;
                    }
                    restored.add(new SemanticEdge(e.type(), e.fromPath(), e.fromStartByte(), e.toPath(), to, e.line(), e.resolution()));
                }
            }

            mark[0] = phase(phases, "dependents", mark[0]);
            listener.phase("writing graph", parsed.size());
            List<String> rewritten = new ArrayList<>(touched);
            if (writer == null) {
                // the old files go and the new ones are written in the background, while resolution runs
                writer = new GraphWriter(repoId, background, () -> {
                    graph.upsertRepository(repoId, name, abs.toString(), git[1], git[0]);
                    if (!rewritten.isEmpty()) graph.deleteFiles(repoId, rewritten);
                });
                for (Parsed p : parsed) writer.add(p.graph());
                writer.close();
            }
            long[] written;
            long semantic;
            Future<long[]> nodes = writer.result();
            Future<?> indexed = background.submit(() -> {
                Map<String, List<CodeIndex.Doc>> docs = new LinkedHashMap<>();
                for (Parsed p : parsed) docs.put(p.source().path(), p.docs());
                Set<String> indexPaths = new LinkedHashSet<>(rewritten);
                indexPaths.addAll(docs.keySet());
                index.replaceFiles(repoId, indexPaths, docs);
            });
            // semantic edges: everything on a fresh ingest, otherwise the changed files and their dependents
            Map<String, Parsed> byPath = new HashMap<>();
            for (Parsed p : parsed) byPath.put(p.source().path(), p);
            Set<String> resolveSet = new LinkedHashSet<>();
            if (fresh) {
                for (Source s : sources) if (s.language() != null && s.language().isCode()) resolveSet.add(s.path());
            } else {
                for (Parsed p : parsed) if (p.source().language() != null && p.source().language().isCode()) resolveSet.add(p.source().path());
                for (String d : dependents) if (current.contains(d)) resolveSet.add(d);
            }
            resolved = resolveSet.size();
            listener.phase("resolving", resolveSet.size());
            KeptReferences kept = KeptReferences.of(abs);
            kept.remove(deleted);
            for (Parsed p : parsed) {
                Language l = p.source().language();
                // Java's names are resolved by the symbol solver, not from these references
                if (l != null && l.isCode() && l != Language.JAVA) kept.put(p.source().path(), stamp(p.source(), options), p.refs());
            }
            List<SemanticEdge> edges = new ArrayList<>(resolve(abs, sources, resolveSet, byPath, definitions, kept, options, listener));
            for (SemanticEdge e : restored) if (!resolveSet.contains(e.fromPath())) edges.add(e);
            mark[0] = phase(phases, "resolve", mark[0]);
            written = await(nodes);
            mark[0] = phase(phases, "write (waiting)", mark[0]);
            // the index is complete before the last write, which records the ingest as finished
            await(indexed);
            mark[0] = phase(phases, "index (waiting)", mark[0]);
            // a fresh ingest has no old edges to remove
            semantic = graph.replaceSemanticEdges(repoId, fresh ? List.of() : resolveSet, edges, true);
            mark[0] = phase(phases, "write edges", mark[0]);
            complete = true;
            Map<String, String> hashesNow = new HashMap<>(old);
            deleted.forEach(hashesNow::remove);
            for (Source s : toWrite) hashesNow.put(s.path(), stored(s.hash(), options));
            KeptDefinitions.put(abs, repoId, options.depth(), hashesNow, definitions);

            return summary(repoId, abs, git, walk, sources, skips, added, changed, deleted.size(), unchanged, resolved, syntaxErrors,
                    written[0], written[1] + semantic, semantic, t0, phases, unfinished, filesRead.get());
        } finally {
            background.shutdownNow();
            // a fresh ingest that failed half-way leaves nothing behind, so the next run starts over instead of trusting partial files
            if (!complete && fresh) {
                try {
                    graph.deleteRepository(repoId);
                    index.deleteRepository(repoId);
                } catch (RuntimeException e) {
                    log.debug("could not remove the partial graph of {}: {}", repoId, e.toString());
                }
            }
        }
    }

    private IngestSummary summary(String repoId, Path abs, String[] git, RepositoryWalker.Result walk, List<Source> sources,
                                  List<IngestSummary.Skip> skips, int added, int changed, int deleted, int unchanged, int resolved,
                                  List<IngestSummary.Skip> syntaxErrors, long nodes, long edges, long semantic, long t0, Map<String, Double> phases,
                                  boolean unfinished, int filesRead) {
        Map<String, Integer> byLanguage = new TreeMap<>();
        Map<String, Integer> unparsed = new TreeMap<>();
        long lines = 0;
        for (Source s : sources) {
            if (s.skipReason() != null) continue;
            lines += s.lines();
            if (s.language() != null) byLanguage.merge(s.language().id, 1, Integer::sum);
            else unparsed.merge(LanguageDetector.extensionOf(s.path().substring(s.path().lastIndexOf('/') + 1)), 1, Integer::sum);
        }
        for (Source s : sources) if (s.encoding() != null) skips.add(new IngestSummary.Skip(s.path(), s.encoding()));
        skips.sort((a, b) -> a.path().compareTo(b.path()));
        return new IngestSummary(repoId, abs.toString(), git[0], (int) sources.stream().filter(s -> s.skipReason() == null).count(), lines,
                byLanguage, unparsed, skips, walk.ignoredByGit(), walk.skippedDirs(), added, changed, deleted, unchanged,
                resolved, syntaxErrors.size(), syntaxErrors, nodes, edges, semantic, Duration.ofNanos(System.nanoTime() - t0), phases, unfinished, filesRead);
    }

    /**
     * Writes files to the graph on a background thread in batches, in the order they are handed
     * over, so writing overlaps parsing: each batch is what was handed over since the last one,
     * up to {@link #BATCH_NODES}. {@link #close} after the last file; {@link #result} gives
     * the nodes and edges written, or the failure.
     */
    private final class GraphWriter implements AutoCloseable {
        /** At most this many AST, text and file nodes per write transaction: large enough to amortize a commit. */
        private static final int BATCH_NODES = 8_000;
        private static final FileGraph END = new FileGraph(null, List.of(), List.of());
        private final java.util.concurrent.BlockingQueue<FileGraph> queue = new java.util.concurrent.LinkedBlockingQueue<>();
        private final Future<long[]> result;

        GraphWriter(String repoId, ExecutorService pool) {
            this(repoId, pool, () -> { });
        }

        /** {@code first}: graph work the writer does before its first write (removing what a re-ingest replaces). */
        GraphWriter(String repoId, ExecutorService pool, Runnable first) {
            result = pool.submit(() -> {
                first.run();
                long[] total = new long[2];
                boolean done = false;
                while (!done) {
                    // everything parsed since the last write, up to a batch: the first files go out at once,
                    // so Neo4j's first-statement costs overlap the parse instead of waiting for a full batch
                    List<FileGraph> batch = new ArrayList<>();
                    int nodes = 0;
                    for (FileGraph f = queue.take(); f != null; f = queue.poll()) {
                        if (f == END) {
                            done = true;
                            break;
                        }
                        batch.add(f);
                        nodes += f.nodeCount();
                        if (nodes >= BATCH_NODES) break;
                    }
                    if (!batch.isEmpty()) addTo(total, graph.writeFiles(repoId, batch));
                }
                return total;
            });
        }

        private static void addTo(long[] total, long[] written) {
            total[0] += written[0];
            total[1] += written[1];
        }

        void add(FileGraph f) {
            queue.add(f);
        }

        @Override
        public void close() {
            queue.add(END);
        }

        Future<long[]> result() {
            return result;
        }
    }

    private static long phase(Map<String, Double> phases, String name, long since) {
        long now = System.nanoTime();
        phases.put(name, Math.round((now - since) / 1e6) / 1000.0);
        return now;
    }

    private static String stem(String path) {
        String base = path.substring(path.lastIndexOf('/') + 1);
        int dot = base.indexOf('.');
        return dot > 0 ? base.substring(0, dot) : base;
    }

    // ---- reading ----

    /**
     * Reads the files, or takes what this process read from them before when their size and
     * modification time are the same (see {@link KeptFiles}); a file read with a skip reason
     * (unreadable, binary, minified) is read again every time, and reported again.
     */
    private List<Source> read(Path root, List<RepositoryWalker.Candidate> files, int threads, IngestListener listener, List<IngestSummary.Skip> skips,
                              AtomicInteger filesRead) {
        List<Source> out = java.util.Collections.synchronizedList(new ArrayList<>());
        AtomicInteger done = new AtomicInteger();
        ConcurrentLinkedQueue<IngestSummary.Skip> more = new ConcurrentLinkedQueue<>();
        KeptFiles<Source> kept = KeptFiles.of(root);
        kept.retain(files.stream().map(RepositoryWalker.Candidate::relativePath).collect(java.util.stream.Collectors.toSet()));
        long readAt = KeptFiles.now();
        runAll(files, threads, f -> {
            Source s = kept.get(f.relativePath(), f.size(), f.modified());
            if (s == null) {
                List<IngestSummary.Skip> own = new ArrayList<>(1);
                s = readOne(f, own);
                filesRead.incrementAndGet();
                if (own.isEmpty()) kept.put(f.relativePath(), f.size(), f.modified(), readAt, s);
                more.addAll(own);
            }
            out.add(s);
            listener.progress(done.incrementAndGet(), files.size());
        });
        skips.addAll(more);
        return new ArrayList<>(out);
    }

    private static Source readOne(RepositoryWalker.Candidate f, Collection<IngestSummary.Skip> skips) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(f.path());
        } catch (IOException e) {
            String reason = "unreadable: " + e.getClass().getSimpleName() + (e.getMessage() != null ? " " + e.getMessage() : "");
            skips.add(new IngestSummary.Skip(f.relativePath(), reason));
            return new Source(f.relativePath(), null, null, null, "skipped:" + reason, f.size(), 0, null, reason);
        }
        String hash = sha1(bytes);
        if (isBinary(bytes)) {
            skips.add(new IngestSummary.Skip(f.relativePath(), "binary file"));
            return new Source(f.relativePath(), null, null, null, hash, bytes.length, 0, null, "binary file");
        }
        String text;
        String encoding = null;
        try {
            text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            text = new String(bytes, StandardCharsets.ISO_8859_1);
            encoding = "not valid UTF-8: read as ISO-8859-1 (byte ranges refer to the UTF-8 re-encoding)";
        }
        if (text.startsWith("\uFEFF")) text = text.substring(1);
        String name = f.relativePath().substring(f.relativePath().lastIndexOf('/') + 1);
        Language lang = LanguageDetector.detect(name, text.length() > 4096 ? text.substring(0, 4096) : text);
        byte[] utf8 = encoding == null && !text.isEmpty() && bytes[0] != (byte) 0xEF ? bytes : text.getBytes(StandardCharsets.UTF_8);
        int lines = countLines(text);
        String minified = lang == Language.JAVASCRIPT ? minified(name, bytes.length, lines) : null;
        if (minified != null) {
            // a bundle's mangled one-letter functions would only catch calls of the repository's own code by name
            skips.add(new IngestSummary.Skip(f.relativePath(), minified + ": searchable as text, not parsed"));
            lang = null;
        }
        return new Source(f.relativePath(), lang, text, utf8, hash, bytes.length, lines, encoding, null);
    }

    /** JavaScript no one writes by hand: at least this many bytes in its lines on average. */
    static final int MINIFIED_LINE_BYTES = 500;
    private static final Pattern MINIFIED_NAME = Pattern.compile("(?i).*[.-]min\\.[cm]?js");

    /**
     * Why a JavaScript file is minified or generated (a {@code .min.js} bundle, a one-line table), or
     * null when it is not: hand-written code never averages {@link #MINIFIED_LINE_BYTES} bytes a line.
     * Only JavaScript: bundles are where one-letter functions would catch other files' calls by name,
     * while a generated Java or Python table (Guava's PublicSuffixPatterns, pygments' builtins)
     * declares names the rest of the repository uses.
     */
    static String minified(String name, long size, int lines) {
        if (MINIFIED_NAME.matcher(name).matches()) return "minified";
        long average = size / Math.max(1, lines);
        return size > 4 * MINIFIED_LINE_BYTES && average >= MINIFIED_LINE_BYTES
                ? String.format(Locale.ROOT, "minified or generated (lines average %,d bytes)", average) : null;
    }

    static boolean isBinary(byte[] b) {
        int n = Math.min(b.length, 8000);
        int control = 0;
        for (int i = 0; i < n; i++) {
            int c = b[i] & 0xff;
            if (c == 0) return true;
            if (c < 7 || (c > 14 && c < 32 && c != 27)) control++;
        }
        return n > 0 && control * 10 > n;
    }

    private static int countLines(String text) {
        if (text.isEmpty()) return 0;
        int n = 0;
        for (int i = 0; i < text.length(); i++) if (text.charAt(i) == '\n') n++;
        return text.endsWith("\n") ? n : n + 1;
    }

    // ---- parsing ----

    private List<Parsed> parse(List<Source> files, int threads, IngestOptions options, IngestListener listener,
                               java.util.function.Consumer<Parsed> onParsed) {
        List<Parsed> out = java.util.Collections.synchronizedList(new ArrayList<>());
        AtomicInteger done = new AtomicInteger();
        try (Parsers parsers = new Parsers()) {
            runAll(files, threads, s -> {
                Parsed p = parseOne(s, options, parsers);
                out.add(p);
                onParsed.accept(p);
                listener.progress(done.incrementAndGet(), files.size());
            });
        }
        List<Parsed> sorted = new ArrayList<>(out);
        sorted.sort((a, b) -> a.source().path().compareTo(b.source().path()));
        return sorted;
    }

    /**
     * Python module names start at the outermost package: the file's folders are included only
     * as long as they hold an {@code __init__.py}.
     */
    static String pythonModulePrefix(String path, Set<String> allPaths) {
        String module = path.replaceAll("\\.pyi?$", "");
        String base = module.substring(module.lastIndexOf('/') + 1);
        StringBuilder prefix = new StringBuilder(base.equals("__init__") ? "" : base);
        String dir = path.contains("/") ? path.substring(0, path.lastIndexOf('/')) : "";
        while (!dir.isEmpty() && (allPaths.contains(dir + "/__init__.py") || allPaths.contains(dir + "/__init__.pyi"))) {
            String name = dir.substring(dir.lastIndexOf('/') + 1);
            prefix.insert(0, prefix.isEmpty() ? name : name + ".");
            dir = dir.contains("/") ? dir.substring(0, dir.lastIndexOf('/')) : "";
        }
        return prefix.isEmpty() ? "" : prefix + ".";
    }

    private Parsed parseOne(Source s, IngestOptions options, Parsers parsers) {
        String base = s.path().substring(s.path().lastIndexOf('/') + 1);
        List<CodeIndex.Doc> docs = new ArrayList<>();
        if (s.skipReason() != null) {
            FileGraph.FileNode node = new FileGraph.FileNode(s.path(), base, null, stored(s.hash(), options), s.size(), 0, null, null, s.skipReason(), List.of(), null, null);
            return new Parsed(s, new FileGraph(node, List.of(), List.of()), List.of(), docs);
        }
        Language lang = s.language();
        if (lang == null || !lang.isCode()) {
            List<FileGraph.TextChunk> chunks = lang == null ? List.of() : new TextChunker().chunk(s.text(), lang);
            for (FileGraph.TextChunk c : chunks) {
                docs.add(new CodeIndex.Doc(CodeIndex.Kind.TEXT, s.path(), lang.id, c.heading(), null, null, c.startLine(), c.endLine(), c.text()));
            }
            if (lang == null) codeChunks(s, s.text().split("\n", -1), null, docs);
            FileGraph.FileNode node = new FileGraph.FileNode(s.path(), base, lang == null ? null : lang.id, stored(s.hash(), options), s.size(), s.lines(),
                    s.encoding(), null, null, List.of(), null, null);
            return new Parsed(s, new FileGraph(node, List.of(), chunks), List.of(), docs);
        }
        TreeSitterParser parser = parsers.get(lang);
        ParsedCode code;
        try (SyntaxTree tree = parser.parse(s.utf8())) {
            code = new CodeFrontEnd(lang, options.depth()).parse(tree, parser.grammar(), s.path(),
                    lang == Language.PYTHON ? pythonModulePrefix(s.path(), allPaths) : null);
        }
        Set<String> refNames = new java.util.TreeSet<>(code.identifiers());
        for (RawReference r : code.references()) {
            if (r.kind() == RawReference.Kind.IMPORT || r.kind() == RawReference.Kind.BIND) {
                // what is imported, by its file's stem; a binding also by the name it binds
                String spec = (r.kind() == RawReference.Kind.IMPORT ? r.name() : r.owner()).replaceAll("[\"'<>]", "");
                String last = spec.substring(Math.max(spec.lastIndexOf('/'), Math.max(spec.lastIndexOf('.'), spec.lastIndexOf(':'))) + 1);
                refNames.add(stem(last.isEmpty() ? spec : last));
                refNames.add(stem(spec.substring(spec.lastIndexOf('/') + 1)));
                if (r.kind() == RawReference.Kind.BIND) refNames.add(r.name());
            } else {
                refNames.add(r.name());
            }
        }
        // split once: finding each definition's line from the start of the file was quadratic (a tenth of zod's parse)
        String[] lines = s.text().split("\n", -1);
        for (FileGraph.AstNodeRecord a : code.nodes()) {
            if (a.kind() != null) {
                docs.add(new CodeIndex.Doc(CodeIndex.Kind.SYMBOL, s.path(), lang.id, a.name(), a.qualifiedName(), a.kind(), a.startLine(), a.endLine(),
                        lineAt(lines, a.startLine())));
            }
        }
        codeChunks(s, lines, lang.id, docs);
        FileGraph.FileNode node = new FileGraph.FileNode(s.path(), base, lang.id, stored(s.hash(), options), s.size(), s.lines(), s.encoding(),
                code.syntaxError(), null, new ArrayList<>(refNames), code.shape() == null ? null : code.shape().hash(),
                code.shape() == null ? null : code.shape().parts());
        return new Parsed(s, new FileGraph(node, code.nodes(), List.of()), code.references(), docs);
    }

    private static void codeChunks(Source s, String[] lines, String lang, List<CodeIndex.Doc> docs) {
        int n = s.lines();
        for (int start = 0; start < n; start += CODE_CHUNK_LINES) {
            int end = Math.min(n, start + CODE_CHUNK_LINES);
            StringBuilder sb = new StringBuilder();
            for (int i = start; i < end; i++) sb.append(lines[i]).append('\n');
            docs.add(new CodeIndex.Doc(CodeIndex.Kind.CODE, s.path(), lang, null, null, null, start + 1, end, sb.toString()));
        }
    }

    /** The stripped text of a 1-based line, at most 300 characters. */
    private static String lineAt(String[] lines, int line) {
        if (line < 1 || line > lines.length) return "";
        String l = lines[line - 1].strip();
        return l.length() > 300 ? l.substring(0, 300) : l;
    }

    // ---- semantic resolution ----

    /** Java files to resolve per solver beyond the first: an extra solver pays for parsing what it needs again. */
    private static final int JAVA_FILES_PER_EXTRA_SOLVER = 64;

    private List<SemanticEdge> resolve(Path root, List<Source> sources, Set<String> resolveSet, Map<String, Parsed> parsed,
                                       List<CodeGraph.Definition> defs, KeptReferences kept, IngestOptions options, IngestListener listener) {
        if (resolveSet.isEmpty()) return List.of();
        Map<String, String> languages = new HashMap<>();
        Map<String, Source> sourceByPath = new HashMap<>();
        Map<String, String> javaPackages = new HashMap<>();
        Map<String, String> javaHashes = new HashMap<>();
        String goModule = null;
        for (Source s : sources) {
            sourceByPath.put(s.path(), s);
            if (s.language() != null) languages.put(s.path(), s.language().id);
            if (s.path().equals("go.mod") && s.text() != null) {
                Matcher m = GO_MODULE.matcher(s.text());
                if (m.find()) goModule = m.group(1);
            }
            if (s.language() == Language.JAVA && s.text() != null) {
                Matcher m = JAVA_PACKAGE.matcher(s.text());
                javaPackages.put(s.path(), m.find() ? m.group(1) : "");
                javaHashes.put(s.path(), s.hash());
            }
        }
        HeuristicResolver heuristic = new HeuristicResolver(defs, languages, goModule);
        Set<String> javaRoots = javaPackages.isEmpty() ? Set.of() : JavaSemantics.sourceRoots(javaPackages);
        Set<String> javaTypes = new HashSet<>();
        for (CodeGraph.Definition d : defs) {
            if (d.qualifiedName() != null && JavaSemantics.TYPE_KINDS.contains(d.kind()) && "java".equals(languages.get(d.path()))) javaTypes.add(d.qualifiedName());
        }
        List<String> javaFiles = resolveSet.stream().filter(p -> sourceByPath.get(p) != null && sourceByPath.get(p).language() == Language.JAVA).toList();
        List<String> otherFiles = resolveSet.stream().filter(p -> !javaFiles.contains(p)).toList();
        List<SemanticEdge> edges = java.util.Collections.synchronizedList(new ArrayList<>());
        // Java files JavaParser cannot parse get name resolution from their tree-sitter parse instead
        List<String> unparsableJava = java.util.Collections.synchronizedList(new ArrayList<>());
        AtomicInteger done = new AtomicInteger();
        // the symbol solver is the slow part: split Java files between workers, each with its own solver and caches;
        // the first worker's solver, with the sources it parsed, is kept for the next ingest of this repository.
        // A worker beside it starts empty and parses whole packages again to resolve a few files: a re-ingest of
        // a handful of files is quicker on the kept solver alone (jackson-databind, one file and its 7 dependents:
        // resolve 2.6 s -> 1.4 s)
        int workers = Math.max(1, Math.min(options.threads(), javaFiles.size() / JAVA_FILES_PER_EXTRA_SOLVER + 1));
        // workers take whole folders (Java packages) from one queue: the files of a package use each other, so a
        // worker parses its packages once instead of both workers parsing nearly every package
        List<List<String>> packages = new ArrayList<>(javaFiles.stream().sorted()
                .collect(java.util.stream.Collectors.groupingBy((String f) -> HeuristicResolver.dirOf(f), java.util.TreeMap::new, java.util.stream.Collectors.toList()))
                .values());
        AtomicInteger nextPackage = new AtomicInteger();
        // what one worker parses the others copy instead of parsing it again
        JavaSolver.SharedParses shared = workers > 1 ? new JavaSolver.SharedParses() : null;
        List<Integer> workerIds = java.util.stream.IntStream.range(0, workers).boxed().toList();
        runAll(workerIds, workers, id -> {
            boolean first = id == 0;
            JavaSolver solver = (first ? JavaSolver.borrow(root, javaRoots, javaHashes) : JavaSolver.fresh(root, javaRoots, javaHashes))
                    .knowing(javaTypes).sharing(shared);
            log.debug("java symbol resolution starts with {} parsed files", solver.parsedFiles());
            JavaSemantics java = new JavaSemantics(solver, defs);
            int p;
            while ((p = nextPackage.getAndIncrement()) < packages.size()) {
                for (String path : packages.get(p)) {
                    try {
                        java.edges(path, sourceByPath.get(path).text()).ifPresentOrElse(edges::addAll, () -> unparsableJava.add(path));
                    } catch (RuntimeException | StackOverflowError e) {
                        log.debug("semantic resolution failed for {}: {}", path, e.toString());
                    }
                    listener.progress(done.incrementAndGet(), resolveSet.size());
                }
            }
            log.debug("java worker {} holds {} parsed files", id, solver.parsedFiles());
            if (first) solver.release();
            log.debug("java symbol resolution: {} resolved, {} unresolved, {} resolutions asked again after an ambiguity", java.resolvedCount(),
                    java.unresolvedCount(), java.ambiguityRetries());
        });
        if (shared != null) log.debug("java symbol resolution: {} workers shared {} parsed files", workers, shared.parsed());
        // the names other files use: from this ingest's parse, kept from an earlier one, or parsed again (in parallel)
        try (Parsers parsers = new Parsers()) {
            List<String> toResolve = otherFiles.stream().filter(path -> {
                Source s = sourceByPath.get(path);
                return s != null && s.language() != null && s.text() != null;
            }).toList();
            runAll(toResolve, options.threads(), path -> {
                Source s = sourceByPath.get(path);
                try {
                    Parsed p = parsed.get(path);
                    String stamp = stamp(s, options);
                    List<RawReference> refs = p != null ? p.refs() : kept.get(path, stamp);
                    if (refs == null) {
                        refs = reparse(s, options, parsers);
                        kept.put(path, stamp, refs);
                    }
                    edges.addAll(heuristic.resolve(path, refs));
                } catch (RuntimeException | StackOverflowError e) {
                    log.debug("semantic resolution failed for {}: {}", path, e.toString());
                }
                listener.progress(done.incrementAndGet(), resolveSet.size());
            });
            for (String path : unparsableJava.stream().sorted().toList()) {
                log.debug("{}: JavaParser cannot parse it; its names are resolved heuristically", path);
                try {
                    edges.addAll(heuristic.resolve(path, reparse(sourceByPath.get(path), options, parsers)));
                } catch (RuntimeException | StackOverflowError e) {
                    log.debug("semantic resolution failed for {}: {}", path, e.toString());
                }
            }
        }
        // deterministic order regardless of which worker finished first
        edges.sort(java.util.Comparator.comparing((SemanticEdge e) -> e.fromPath()).thenComparingInt(SemanticEdge::fromStartByte)
                .thenComparing(e -> e.type().name()).thenComparing(SemanticEdge::toPath).thenComparingInt(SemanticEdge::toStartByte)
                .thenComparingInt(SemanticEdge::line));
        return edges;
    }

    /** Java definitions an edit may change while only the files naming them resolve differently. */
    private static final Set<String> JAVA_MEMBER_KINDS = Set.of("method", "constructor");

    /**
     * How an edit in place changed a file's shape: its unchanged definitions' old start bytes mapped
     * to the new ones, and the names of the definitions added, removed or changed.
     */
    private record ShapeChange(Map<Integer, Integer> moved, Set<String> changedNames) {}

    /**
     * The files edited in place whose change other files see only through the names of the
     * definitions it touched: the rest of the file (imports, package) is as it was and, for Java, only
     * methods and constructors changed, or types were added or removed (a changed class header, field
     * or enum constant can change how names the file does not define resolve). Files not listed count
     * as changed as a whole.
     */
    private Map<String, ShapeChange> shapeChanges(String repoId, List<Parsed> parsed, Map<String, String> old, List<CodeGraph.Definition> previous) {
        Map<String, Parsed> candidates = new HashMap<>();
        for (Parsed p : parsed) {
            if (old.containsKey(p.source().path()) && p.graph().file().shapeHash() != null) candidates.put(p.source().path(), p);
        }
        if (candidates.isEmpty()) return Map.of();
        Map<String, CodeGraph.StoredShape> stored = graph.fileShapes(repoId, candidates.keySet());
        Map<String, List<CodeGraph.Definition>> before = new HashMap<>();
        for (CodeGraph.Definition d : previous) if (candidates.containsKey(d.path())) before.computeIfAbsent(d.path(), k -> new ArrayList<>()).add(d);
        Map<String, ShapeChange> out = new HashMap<>();
        candidates.forEach((path, p) -> {
            CodeGraph.StoredShape was = stored.get(path);
            if (was == null) return;
            List<CodeGraph.Definition> oldDefs = new ArrayList<>(before.getOrDefault(path, List.of()));
            // the parse lists nodes by start, the outer one first; shape parts follow that order
            oldDefs.sort(java.util.Comparator.comparingInt(CodeGraph.Definition::startByte)
                    .thenComparing(java.util.Comparator.comparingInt(CodeGraph.Definition::endByte).reversed()));
            List<FileGraph.AstNodeRecord> newDefs = p.graph().ast().stream().filter(FileGraph.AstNodeRecord::isDefinition).toList();
            List<String> oldParts = was.parts(), newParts = p.graph().file().shapeParts();
            if (oldParts.size() != oldDefs.size() + 1 || newParts.size() != newDefs.size() + 1 || !oldParts.get(0).equals(newParts.get(0))) return;
            // definitions of the same kind and qualified name, in order, before and after
            Map<String, List<Integer>> oldByKey = new LinkedHashMap<>(), newByKey = new LinkedHashMap<>();
            for (int i = 0; i < oldDefs.size(); i++) oldByKey.computeIfAbsent(key(oldDefs.get(i).kind(), oldDefs.get(i).name(), oldDefs.get(i).qualifiedName()), k -> new ArrayList<>()).add(i);
            for (int i = 0; i < newDefs.size(); i++) newByKey.computeIfAbsent(key(newDefs.get(i).kind(), newDefs.get(i).name(), newDefs.get(i).qualifiedName()), k -> new ArrayList<>()).add(i);
            boolean java = p.source().language() == Language.JAVA;
            Map<Integer, Integer> moved = new HashMap<>();
            Set<String> changed = new HashSet<>();
            Set<String> keys = new LinkedHashSet<>(oldByKey.keySet());
            keys.addAll(newByKey.keySet());
            for (String k : keys) {
                List<Integer> o = oldByKey.getOrDefault(k, List.of()), n = newByKey.getOrDefault(k, List.of());
                boolean same = o.size() == n.size();
                for (int i = 0; same && i < o.size(); i++) same = oldParts.get(o.get(i) + 1).equals(newParts.get(n.get(i) + 1));
                if (same) {
                    for (int i = 0; i < o.size(); i++) {
                        int from = oldDefs.get(o.get(i)).startByte(), to = newDefs.get(n.get(i)).startByte();
                        // definitions sharing a start (a C struct and the variable it declares) move together
                        Integer other = moved.put(from, to);
                        if (other != null && other != to) return;
                    }
                    continue;
                }
                String kind = k.substring(0, k.indexOf('\0'));
                // a type that changed (its header, an enum constant) can change how inherited names resolve; one
                // added or removed only what its own names mean. A field declaration may name several variables.
                boolean addedOrRemoved = o.isEmpty() || n.isEmpty();
                if (java && !JAVA_MEMBER_KINDS.contains(kind) && (kind.equals("field") || !addedOrRemoved)) return;
                for (int i : o) if (oldDefs.get(i).name() != null) changed.add(oldDefs.get(i).name());
                for (int i : n) if (newDefs.get(i).name() != null) changed.add(newDefs.get(i).name());
            }
            out.put(path, new ShapeChange(moved, changed));
        });
        return out;
    }

    private static String key(String kind, String name, String qualifiedName) {
        return kind + "\0" + name + "\0" + qualifiedName;
    }

    private static <T> T await(Future<T> f) {
        try {
            return f.get();
        } catch (java.util.concurrent.ExecutionException e) {
            if (e.getCause() instanceof RuntimeException re) throw re;
            if (e.getCause() instanceof Error err) throw err;
            throw new IllegalStateException(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("ingest interrupted", e);
        }
    }

    /** A file's name references from a new tree-sitter parse (for Java too, which leaves them out of the first). */
    private List<RawReference> reparse(Source s, IngestOptions options, Parsers parsers) {
        TreeSitterParser parser = parsers.get(s.language());
        try (SyntaxTree tree = parser.parse(s.utf8())) {
            return new CodeFrontEnd(s.language(), options.depth(), true).parse(tree, parser.grammar(), s.path(),
                    s.language() == Language.PYTHON ? pythonModulePrefix(s.path(), allPaths) : null).references();
        }
    }

    /** Tree-sitter parsers for worker threads: one per thread and language (a parser is not thread-safe), all closed together. */
    private static final class Parsers implements AutoCloseable {
        private final ThreadLocal<Map<Language, TreeSitterParser>> mine = ThreadLocal.withInitial(() -> new EnumMap<>(Language.class));
        private final ConcurrentLinkedQueue<TreeSitterParser> opened = new ConcurrentLinkedQueue<>();

        /** This thread's parser for a language, made on first use. */
        TreeSitterParser get(Language language) {
            return mine.get().computeIfAbsent(language, l -> {
                TreeSitterParser p = l.parser();
                opened.add(p);
                return p;
            });
        }

        @Override
        public void close() {
            opened.forEach(TreeSitterParser::close);
        }
    }

    /** What a file's references are taken from: its content, and for Python the package it lies in (which __init__.py files decide). */
    private String stamp(Source s, IngestOptions options) {
        String stamp = s.hash() + "/" + options.depth();
        return s.language() == Language.PYTHON ? stamp + "/" + pythonModulePrefix(s.path(), allPaths) : stamp;
    }

    // ---- helpers ----

    private interface Task<T> {
        void run(T item) throws Exception;
    }

    private static <T> void runAll(List<T> items, int threads, Task<T> task) {
        if (items.isEmpty()) return;
        int n = Math.max(1, Math.min(threads, items.size()));
        if (n == 1) {
            for (T t : items) runOne(task, t);
            return;
        }
        ExecutorService pool = Executors.newFixedThreadPool(n, r -> {
            Thread t = new Thread(r, "carto-ingest");
            t.setDaemon(true);
            return t;
        });
        try {
            AtomicInteger next = new AtomicInteger();
            List<Future<?>> futures = new ArrayList<>();
            for (int w = 0; w < n; w++) {
                futures.add(pool.submit(() -> {
                    int i;
                    while ((i = next.getAndIncrement()) < items.size()) runOne(task, items.get(i));
                    return null;
                }));
            }
            for (Future<?> f : futures) {
                try {
                    f.get();
                } catch (java.util.concurrent.ExecutionException e) {
                    if (e.getCause() instanceof RuntimeException re) throw re;
                    if (e.getCause() instanceof Error err) throw err;
                    throw new IllegalStateException(e.getCause());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("ingest interrupted", e);
                }
            }
        } finally {
            pool.shutdownNow();
        }
    }

    private static <T> void runOne(Task<T> task, T item) {
        try {
            task.run(item);
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** HEAD commit and origin URL when the folder is a git work tree (each may be null). */
    static String[] gitInfo(Path root) {
        try (Repository repo = new FileRepositoryBuilder().setGitDir(root.resolve(".git").toFile()).setMustExist(true).build()) {
            var head = repo.resolve("HEAD");
            String remote = repo.getConfig().getString("remote", "origin", "url");
            return new String[]{head == null ? null : head.getName(), remote};
        } catch (IOException | RuntimeException e) {
            return new String[]{null, null};
        }
    }

    /**
     * The version of the rules that turn a syntax tree into AST nodes (what each depth keeps): raise it
     * when they change, so that the next ingest of a repository rewrites every file instead of leaving
     * the unchanged ones as the old rules made them. 3: minified JavaScript is kept as text, and
     * queries start matches at most {@link carto.ingest.parse.TreeSitterParser#MAX_QUERY_DEPTH} deep.
     */
    static final int AST_RULES = 3;

    /**
     * What a file node stores as its {@code contentHash}, and a re-ingest compares: the content's hash
     * and the AST it was made into ({@code <sha1>@statements.3}). A re-ingest at another depth, or by a
     * Carto with other rules, therefore rewrites every file, as a fresh ingest would.
     */
    static String stored(String contentHash, IngestOptions options) {
        if (contentHash == null) return "";
        return contentHash + "@" + options.depth().name().toLowerCase(Locale.ROOT) + "." + AST_RULES;
    }

    /** The content's own hash in what a file node stores ({@link #stored}): what stays the same whatever the AST. */
    public static String contentHashOf(String stored) {
        int at = stored.indexOf('@');
        return at < 0 ? stored : stored.substring(0, at);
    }

    /** The hash Carto keys content by (a file's {@code contentHash}): SHA-1, in hex. */
    public static String sha1(byte[] b) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1").digest(b));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
