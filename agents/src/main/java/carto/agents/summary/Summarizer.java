package carto.agents.summary;

import carto.agents.llm.Agent;
import carto.graph.GraphException;
import carto.graph.RepositoryInfo;
import carto.graph.tools.GraphTools;
import carto.graph.tools.SummaryStore;
import carto.inference.lm.CancelToken;
import carto.inference.lm.ChatMessage;
import carto.inference.lm.Completion;
import carto.inference.lm.GenerationOptions;
import carto.inference.lm.LanguageModel;
import carto.inference.lm.TokenSink;
import carto.inference.sample.SamplingParams;
import carto.ingest.lang.Language;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.regex.Pattern;

/**
 * Hierarchical summaries, bottom-up: functions and methods, then types, files, directories and
 * the repository. Each is stored in the graph with the content hash it was made from, so a run
 * after an edit recomputes only what changed and the path above it up to the root.
 */
public final class Summarizer {
    /** Bump when prompts change: summaries made with another version are recomputed. */
    public static final String PROMPT_VERSION = "1";

    public static final Set<String> TYPE_KINDS = Set.of("class", "interface", "struct", "enum", "trait", "record", "union", "type", "impl", "object",
            "annotation", "module");
    public static final Set<String> FUNCTION_KINDS = Set.of("function", "method", "constructor");
    private static final Pattern VENDORED = Pattern.compile("(^|/)(vendor|vendored|third_party|thirdparty|third-party|node_modules|external|extern|deps|"
            + "generated|gen|build|dist|target|out|__pycache__|\\.venv|venv|site-packages)/|\\.min\\.(js|css)$|\\.pb\\.go$|_pb2\\.py$|\\.generated\\.");

    /** What to summarize. */
    public enum Scope {
        REPOSITORY, DIRECTORY, FILE, SYMBOL;

        public static Scope parse(String s) {
            if (s == null || s.isBlank()) return REPOSITORY;
            try {
                return valueOf(s.strip().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("scope '" + s + "' is not one of repository, directory, file, symbol");
            }
        }
    }

    /** Limits: symbols summarized per file, tokens per summary, prompt tokens, and whether to ignore stored summaries. */
    public record Options(int maxSymbolsPerFile, int maxTokensPerSummary, int promptTokens, boolean force) {
        public static Options defaults() {
            return new Options(12, 96, 3000, false);
        }
    }

    /** One summarized unit: its key, scope (repository, directory, file, type, symbol), where it is, its children's keys, the hash of what it covers. */
    public record Unit(String key, String scope, String path, String name, String kind, int startLine, int endLine, List<String> children, String hash) {}

    /** The units of a run in bottom-up order, how many need the model, how many are stored already, and the files left out (generated or vendored). */
    public record Plan(String repoId, Scope scope, String target, List<Unit> units, int modelCalls, int cached, List<String> skipped) {}

    /** Progress: units done out of all, and the unit at hand. */
    public record Progress(int done, int total, Unit unit, boolean cached) {}

    /** What a run produced: every summary by key, how many model calls it made and how many summaries it reused, tokens and time. */
    public record Result(Plan plan, Map<String, SummaryStore.Stored> summaries, int modelCalls, int reused, long promptTokens, long completionTokens,
                         long millis) {}

    private final LanguageModel model;
    private final GraphTools graph;
    private final SummaryStore store;
    private final Options options;
    private final SummaryPrompts prompts;

    public Summarizer(LanguageModel model, GraphTools graph, SummaryStore store, Options options) {
        this.model = model;
        this.graph = graph;
        this.store = store;
        this.options = options == null ? Options.defaults() : options;
        this.prompts = new SummaryPrompts(graph, model::countTokens);
    }

    /** Whether a file is source code (parsed by tree-sitter), not text or data. */
    static boolean isCode(GraphTools.FileHit f) {
        Language lang = f.language() == null ? null : Language.byId(f.language());
        return lang != null && lang.isCode();
    }

    /** The code files summaries cover: source code that is neither generated nor vendored. */
    static List<String> summarizedPaths(List<GraphTools.FileHit> files) {
        return files.stream().filter(f -> isCode(f) && !generatedOrVendored(f.path())).map(GraphTools.FileHit::path).toList();
    }

    /** Whether a path is generated or vendored code, left out of summaries. */
    public static boolean generatedOrVendored(String path) {
        return VENDORED.matcher(path).find();
    }

    // ---- planning -----------------------------------------------------------------------------

    /** The units {@code scope}/{@code target} needs, bottom-up, with the number of model calls (what is stored and unchanged is reused). */
    public Plan plan(RepositoryInfo repo, Scope scope, String target) {
        String id = repo.id();
        List<GraphTools.FileHit> all = graph.files(id);
        Map<String, String> hashes = graph.fileHashes(id);
        List<String> skipped = new ArrayList<>();
        List<GraphTools.FileHit> files = new ArrayList<>();
        for (GraphTools.FileHit f : all) {
            if (!isCode(f)) continue;
            if (generatedOrVendored(f.path())) {
                skipped.add(f.path());
                continue;
            }
            files.add(f);
        }
        String t = target == null ? "" : target.strip().replaceAll("^\\./", "").replaceAll("/+$", "");
        String symbol = t.contains("#") ? t.substring(t.indexOf('#') + 1) : t;
        List<GraphTools.FileHit> chosen = switch (scope) {
            case REPOSITORY -> files;
            case DIRECTORY -> {
                if (t.isEmpty()) throw new IllegalArgumentException("scope directory needs a target directory");
                List<GraphTools.FileHit> in = files.stream().filter(f -> f.path().startsWith(t + "/")).toList();
                if (in.isEmpty()) throw new IllegalArgumentException("no code file under '" + t + "' (paths are relative to the repository root)");
                yield in;
            }
            case FILE -> {
                List<GraphTools.FileHit> in = files.stream().filter(f -> f.path().equals(t)).toList();
                if (in.isEmpty()) throw new IllegalArgumentException("'" + t + "' is not a code file of the repository (or it is generated/vendored)");
                yield in;
            }
            case SYMBOL -> {
                String path = t.contains("#") ? t.substring(0, t.indexOf('#')) : null;
                if (symbol.isEmpty()) throw new IllegalArgumentException("scope symbol needs a target: NAME or path#NAME");
                var defs = graph.definitions(id, symbol, 20).stream().filter(d -> path == null || d.path().equals(path)).toList();
                if (defs.isEmpty()) throw new IllegalArgumentException("no symbol named '" + symbol + "'" + (path != null ? " in " + path : ""));
                yield files.stream().filter(f -> f.path().equals(defs.getFirst().path())).toList();
            }
        };
        List<Unit> units = new ArrayList<>();
        Map<String, String> fileUnitHashes = new TreeMap<>(); // path -> hash of the file unit
        for (GraphTools.FileHit f : chosen) {
            // the content's hash: a summary stays valid when only the AST the file was parsed into changes
            units.addAll(fileUnits(id, f, carto.ingest.Ingestor.contentHashOf(hashes.getOrDefault(f.path(), ""))));
            fileUnitHashes.put(f.path(), units.getLast().hash());
        }
        if (scope == Scope.SYMBOL) units.removeIf(u -> !(u.scope().equals("symbol") || u.scope().equals("type")) || !symbol.equals(u.name()));
        if (scope == Scope.REPOSITORY || scope == Scope.DIRECTORY) units.addAll(directoryUnits(fileUnitHashes, scope == Scope.DIRECTORY ? t : null));
        Map<String, SummaryStore.Stored> stored = store.all(id);
        int cached = 0;
        for (Unit u : units) if (valid(stored.get(u.key()), u)) cached++;
        return new Plan(id, scope, t, List.copyOf(units), units.size() - cached, cached, List.copyOf(skipped));
    }

    private List<Unit> fileUnits(String repo, GraphTools.FileHit f, String fileHash) {
        String text;
        try {
            text = graph.fileContent(repo, f.path());
        } catch (GraphException | IllegalArgumentException e) {
            text = "";
        }
        List<String> lines = text.lines().toList();
        List<GraphTools.AstHit> outline = graph.outline(repo, f.path());
        List<GraphTools.AstHit> types = outline.stream().filter(h -> h.kind() != null && TYPE_KINDS.contains(h.kind()) && h.name() != null).toList();
        List<GraphTools.AstHit> functions = outline.stream().filter(h -> h.kind() != null && FUNCTION_KINDS.contains(h.kind()) && h.name() != null)
                .sorted(Comparator.comparingInt((GraphTools.AstHit h) -> h.endLine() - h.startLine()).reversed())
                .limit(options.maxSymbolsPerFile()).sorted(Comparator.comparingInt(GraphTools.AstHit::startLine)).toList();
        List<Unit> out = new ArrayList<>();
        Map<GraphTools.AstHit, List<String>> members = new LinkedHashMap<>();
        types.forEach(ty -> members.put(ty, new ArrayList<>()));
        List<String> topLevel = new ArrayList<>();
        for (GraphTools.AstHit fn : functions) {
            Unit u = new Unit(symbolKey(f.path(), fn), "symbol", f.path(), fn.name(), fn.kind(), fn.startLine(), fn.endLine(), List.of(),
                    sha(slice(lines, fn.startLine(), fn.endLine())));
            out.add(u);
            GraphTools.AstHit owner = innermost(types, fn);
            if (owner != null) members.get(owner).add(u.key());
            else topLevel.add(u.key());
        }
        for (var e : members.entrySet()) {
            GraphTools.AstHit ty = e.getKey();
            Unit u = new Unit(symbolKey(f.path(), ty), "type", f.path(), ty.name(), ty.kind(), ty.startLine(), ty.endLine(), List.copyOf(e.getValue()),
                    sha(slice(lines, ty.startLine(), ty.endLine())));
            out.add(u);
            if (innermost(types.stream().filter(x -> x != ty).toList(), ty) == null) topLevel.add(u.key());
        }
        out.add(new Unit("file:" + f.path(), "file", f.path(), f.basename(), f.language(), 1, lines.size(), List.copyOf(topLevel),
                fileHash.isEmpty() ? sha(text) : fileHash));
        return out;
    }

    private static GraphTools.AstHit innermost(List<GraphTools.AstHit> types, GraphTools.AstHit inner) {
        GraphTools.AstHit best = null;
        for (GraphTools.AstHit t : types) {
            if (t.startLine() <= inner.startLine() && t.endLine() >= inner.endLine() && !(t.startLine() == inner.startLine() && t.endLine() == inner.endLine())) {
                if (best == null || t.endLine() - t.startLine() < best.endLine() - best.startLine()) best = t;
            }
        }
        return best;
    }

    /** Directory units deepest first, then the repository (when {@code root} is null) or the target directory last. */
    private List<Unit> directoryUnits(Map<String, String> fileHashes, String root) {
        Map<String, TreeMap<String, String>> children = new TreeMap<>(); // dir -> child key -> hash
        for (var e : fileHashes.entrySet()) {
            String path = e.getKey();
            String childKey = "file:" + path;
            String childHash = e.getValue();
            String dir = parent(path);
            while (true) {
                children.computeIfAbsent(dir, k -> new TreeMap<>()).put(childKey, childHash);
                if (dir.isEmpty() || root != null && dir.equals(root)) break;
                childKey = "dir:" + dir;
                childHash = null; // filled once the directory's own hash is known
                dir = parent(dir);
            }
        }
        List<String> dirs = new ArrayList<>(children.keySet());
        dirs.sort(Comparator.comparingInt((String d) -> d.isEmpty() ? -1 : d.split("/").length).reversed().thenComparing(Comparator.naturalOrder()));
        Map<String, String> dirHash = new LinkedHashMap<>();
        List<Unit> out = new ArrayList<>();
        for (String d : dirs) {
            if (root != null && !(d.equals(root) || d.startsWith(root + "/"))) continue;
            TreeMap<String, String> kids = children.get(d);
            StringBuilder sb = new StringBuilder();
            for (var k : kids.entrySet()) {
                String h = k.getValue() != null ? k.getValue() : dirHash.get(k.getKey().substring(4));
                sb.append(k.getKey()).append('=').append(h).append('\n');
            }
            String h = sha(sb.toString());
            dirHash.put(d, h);
            if (d.isEmpty()) out.add(new Unit("repository", "repository", "", "", null, 0, 0, List.copyOf(kids.keySet()), h));
            else out.add(new Unit("dir:" + d, "directory", d, d.substring(d.lastIndexOf('/') + 1), null, 0, 0, List.copyOf(kids.keySet()), h));
        }
        return out;
    }

    // ---- running ------------------------------------------------------------------------------

    /** Makes (or reuses) every summary of the plan, bottom-up; stops between units when cancelled. */
    public Result run(RepositoryInfo repo, Plan plan, Consumer<Progress> progress, CancelToken cancel) {
        long t0 = System.currentTimeMillis();
        Map<String, SummaryStore.Stored> stored = new LinkedHashMap<>(store.all(repo.id()));
        Map<String, SummaryStore.Stored> made = new LinkedHashMap<>();
        List<SummaryStore.Stored> pending = new ArrayList<>();
        int calls = 0, reused = 0, done = 0;
        long pt = 0, ct = 0;
        for (Unit u : plan.units()) {
            if (cancel != null && cancel.isCancelled()) throw new Agent.Cancelled();
            SummaryStore.Stored s = stored.get(u.key());
            boolean cachedHit = valid(s, u);
            if (cachedHit) {
                reused++;
                pending.add(s); // re-linked: re-ingesting a file recreates the nodes summaries point to
            } else {
                SummaryPrompts.Prompt p = prompts.build(repo, u, made, stored, promptBudget());
                String text = "";
                for (String partial : p.partials()) {
                    // map-reduce: groups of children summarized first, then the whole from their summaries
                    Completion c = generate(prompts.partialPrompt(repo, u, partial, promptBudget()), "file", cancel);
                    calls++;
                    pt += c.promptTokens();
                    ct += c.completionTokens();
                    text += "- " + clean(c.text()) + "\n";
                }
                Completion c = generate(p.partials().isEmpty() ? p.messages() : prompts.reducePrompt(repo, u, text, promptBudget()), u.scope(), cancel);
                calls++;
                pt += c.promptTokens();
                ct += c.completionTokens();
                s = new SummaryStore.Stored(u.key(), u.scope(), u.path(), u.name(), u.startLine(), u.endLine(), clean(c.text()), model.name(),
                        PROMPT_VERSION, u.hash(), null);
                pending.add(s);
            }
            made.put(u.key(), s);
            done++;
            if (progress != null) progress.accept(new Progress(done, plan.units().size(), u, cachedHit));
            if (pending.size() >= 50 || !u.scope().equals("symbol") && !u.scope().equals("type")) {
                store.save(repo.id(), pending);
                pending.clear();
            }
        }
        store.save(repo.id(), pending);
        return new Result(plan, made, calls, reused, pt, ct, System.currentTimeMillis() - t0);
    }

    private int promptBudget() {
        return Math.max(128, Math.min(options.promptTokens(), model.contextLength() - tokensFor("repository") - 48));
    }

    /** Tokens a summary of this level may take: the symbol cap, half as much again for types and files, twice it above. */
    int tokensFor(String scope) {
        int t = options.maxTokensPerSummary();
        return switch (scope) {
            case "symbol" -> t;
            case "type", "file" -> t * 3 / 2;
            default -> t * 2;
        };
    }

    private Completion generate(List<ChatMessage> messages, String scope, CancelToken cancel) {
        GenerationOptions o = new GenerationOptions(tokensFor(scope), SamplingParams.GREEDY, List.of("\n\n\n"));
        return model.chat(messages, List.of(), o, TokenSink.NONE, cancel == null ? CancelToken.none() : cancel);
    }

    boolean valid(SummaryStore.Stored s, Unit u) {
        return s != null && !options.force() && u.hash().equals(s.contentHash()) && model.name().equals(s.model()) && PROMPT_VERSION.equals(s.promptVersion())
                && !s.text().isBlank();
    }

    /** The model's answer as a summary: no preamble, no code fences, at most a paragraph or two. */
    static String clean(String text) {
        if (text == null) return "";
        String t = text.strip().replaceAll("(?s)^```\\w*\\n?|```$", "").strip();
        t = t.replaceFirst("(?i)^(summary|here is (a|the) summary[^:]*)\\s*:\\s*", "");
        String[] paras = t.split("\\n\\s*\\n");
        String r = paras.length > 2 ? paras[0] + "\n\n" + paras[1] : t;
        return r.length() > 1500 ? r.substring(0, 1500) + "..." : r.strip();
    }

    static String symbolKey(String path, GraphTools.AstHit h) {
        return "sym:" + path + "#" + h.name() + "@" + h.startLine();
    }

    static String slice(List<String> lines, int start, int end) {
        if (lines.isEmpty()) return "";
        int s = Math.max(1, start), e = Math.min(lines.size(), end);
        return s > e ? "" : String.join("\n", lines.subList(s - 1, e));
    }

    static String parent(String path) {
        int i = path.lastIndexOf('/');
        return i < 0 ? "" : path.substring(0, i);
    }

    static String sha(String s) {
        return carto.ingest.Ingestor.sha1(s.getBytes(StandardCharsets.UTF_8));
    }
}
