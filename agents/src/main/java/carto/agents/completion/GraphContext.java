package carto.agents.completion;

import carto.graph.GraphException;
import carto.graph.tools.GraphTools;
import carto.inference.lm.FimRequest;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.ToIntFunction;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Repository context for a fill-in-the-middle completion, from the knowledge graph: definitions
 * of the symbols used near the cursor (closest first; in files the current one imports, then the
 * same directory, then elsewhere) and the outline of the enclosing type and its supertypes,
 * packed into other-file context within a token budget.
 */
public final class GraphContext {
    /** How much to gather: a token budget, the lines around the cursor to read names from, and limits. */
    public record Options(int tokenBudget, int linesBefore, int linesAfter, int maxNames, int maxBodyLines, int definitionsPerName) {
        public static Options defaults(int tokenBudget) {
            return new Options(tokenBudget, 40, 10, 32, 16, 2);
        }
    }

    /** One piece of context: lines of a file, and why it was chosen. */
    public record Snippet(String path, int startLine, int endLine, String symbol, String reason, String text, int tokens) {}

    /** The context files to place before the document, what they hold and what they cost. */
    public record Result(List<FimRequest.ContextFile> files, List<Snippet> snippets, int tokens, double millis) {
        public static Result empty() {
            return new Result(List.of(), List.of(), 0, 0);
        }
    }

    private static final Pattern IDENT = Pattern.compile("[A-Za-z_$][A-Za-z0-9_$]*");
    private static final Set<String> TYPE_KINDS = Set.of("class", "interface", "enum", "record", "struct", "trait", "union", "object", "impl", "module", "namespace");
    private static final Set<String> CALLABLE_KINDS = Set.of("method", "function", "constructor", "macro");
    private static final Set<String> KEYWORDS = Set.of(
            "abstract", "and", "as", "assert", "async", "await", "auto", "bool", "boolean", "break", "byte", "case", "catch", "char", "class",
            "const", "continue", "def", "default", "del", "do", "double", "elif", "else", "enum", "except", "export", "extends", "extern", "false",
            "final", "finally", "float", "fn", "for", "from", "func", "function", "global", "go", "if", "impl", "implements", "import", "in",
            "instanceof", "int", "interface", "is", "lambda", "let", "long", "match", "mod", "mut", "new", "nil", "None", "not", "null", "or",
            "package", "pass", "private", "protected", "pub", "public", "raise", "return", "self", "short", "signed", "sizeof", "static", "str",
            "struct", "super", "switch", "synchronized", "this", "throw", "throws", "trait", "True", "False", "true", "try", "type", "typedef",
            "unsigned", "use", "var", "void", "volatile", "while", "with", "yield", "string", "number", "any", "undefined", "typeof", "include",
            "define", "ifdef", "ifndef", "endif", "union", "unsafe", "where", "crate", "Self", "print", "len", "range", "list", "dict", "set");

    private final GraphTools tools;
    private final ToIntFunction<String> tokens;

    /** Lines of the files one build reads, each read once. */
    private final class Files {
        final String repoId;
        final Map<String, String[]> lines = new HashMap<>();

        Files(String repoId) {
            this.repoId = repoId;
        }

        /** Lines [from, to] (1-based, inclusive, clamped), each ending in a newline. */
        String text(String path, int from, int to) {
            String[] l = lines.computeIfAbsent(path, p -> tools.fileContent(repoId, p).split("\n", -1));
            StringBuilder sb = new StringBuilder();
            for (int i = Math.max(1, from); i <= Math.min(to, l.length); i++) sb.append(l[i - 1]).append('\n');
            return sb.toString();
        }
    }

    /** {@code tokenCounter} counts tokens the way the completing model will. */
    public GraphContext(GraphTools tools, ToIntFunction<String> tokenCounter) {
        this.tools = tools;
        this.tokens = tokenCounter;
    }

    /**
     * Context for a completion at {@code cursor} (UTF-16 offset) of {@code document}, the editor's
     * current text of {@code path} (relative to the repository root; it may differ from what was
     * ingested). A path unknown to the graph still gets definitions; nothing fails for want of context.
     */
    public Result build(String repoId, String path, String document, int cursor, Options o) {
        long t0 = System.nanoTime();
        if (o.tokenBudget() <= 0) return Result.empty();
        int cur = Math.max(0, Math.min(cursor, document.length()));
        int cursorLine = 1;
        for (int i = 0; i < cur; i++) if (document.charAt(i) == '\n') cursorLine++;
        String current = path == null ? "" : path.replace('\\', '/');

        Files files = new Files(repoId);
        List<Snippet> chosen = new ArrayList<>();
        Set<String> taken = new HashSet<>();
        int[] used = {0};
        // 1. definitions of the names used near the cursor, closest first
        List<String> names = namesNearCursor(document, cur, o);
        Set<String> imported = new HashSet<>();
        try {
            tools.imports(repoId, current).imports().forEach(f -> imported.add(f.path()));
        } catch (GraphException | IllegalArgumentException e) {
            // a new file, or one outside the graph: no import ranking
        }
        String dir = current.contains("/") ? current.substring(0, current.lastIndexOf('/') + 1) : "";
        Map<String, List<GraphTools.Symbol>> defs = tools.definitionsOf(repoId, names, 8);
        for (String name : names) {
            List<GraphTools.Symbol> found = defs.getOrDefault(name, List.of()).stream()
                    .filter(d -> !d.path().equals(current))
                    .sorted(Comparator.comparingInt((GraphTools.Symbol d) -> imported.contains(d.path()) ? 0 : d.path().startsWith(dir) ? 1 : 2)
                            .thenComparing(GraphTools.Symbol::path).thenComparingInt(GraphTools.Symbol::startLine))
                    .limit(o.definitionsPerName()).toList();
            for (GraphTools.Symbol d : found) {
                Snippet s = safely(() -> snippetOf(files, d, "used near the cursor", o));
                if (s != null) offer(s, chosen, taken, used, o);
            }
        }
        // 2. the enclosing type's outline, and its supertypes'
        try {
            for (GraphTools.Symbol type : enclosingTypes(repoId, current, cursorLine)) {
                Snippet own = safely(() -> outlineOf(files, type, "enclosing type"));
                if (own != null) offer(own, chosen, taken, used, o);
                for (GraphTools.Relation r : tools.typeHierarchy(repoId, type.name(), 20).supertypes()) {
                    if (r.to() == null || r.to().path() == null) continue;
                    Snippet sup = safely(() -> outlineOf(files, r.to(), "supertype of " + type.name()));
                    if (sup != null) offer(sup, chosen, taken, used, o);
                }
            }
        } catch (GraphException | IllegalArgumentException e) {
            // the file is not in the graph: no outline
        }
        // group by file, in the order files were first chosen; within a file, by line
        Map<String, List<Snippet>> byFile = new LinkedHashMap<>();
        for (Snippet s : chosen) byFile.computeIfAbsent(s.path(), k -> new ArrayList<>()).add(s);
        List<FimRequest.ContextFile> context = new ArrayList<>();
        byFile.forEach((p, list) -> {
            list.sort(Comparator.comparingInt(Snippet::startLine));
            StringBuilder sb = new StringBuilder();
            for (Snippet s : list) {
                if (!sb.isEmpty()) sb.append('\n');
                sb.append(s.text());
            }
            context.add(new FimRequest.ContextFile(p, sb.toString()));
        });
        return new Result(context, chosen, used[0], (System.nanoTime() - t0) / 1e6);
    }

    /** Builds a snippet, or none when its file can no longer be read (changed on disk since ingest). */
    private static Snippet safely(java.util.function.Supplier<Snippet> make) {
        try {
            return make.get();
        } catch (GraphException e) {
            return null;
        }
    }

    private void offer(Snippet s, List<Snippet> chosen, Set<String> taken, int[] used, Options o) {
        String key = s.path() + ":" + s.startLine() + "-" + s.endLine();
        if (!taken.add(key)) return;
        // snippets inside one already chosen add nothing
        for (Snippet c : chosen) if (c.path().equals(s.path()) && c.startLine() <= s.startLine() && c.endLine() >= s.endLine()) return;
        if (used[0] + s.tokens() > o.tokenBudget()) return;
        chosen.add(s);
        used[0] += s.tokens();
    }

    /** Identifiers in the lines around the cursor, nearest occurrence first, without keywords and one-letter names. */
    static List<String> namesNearCursor(String doc, int cursor, Options o) {
        int from = cursor, to = cursor;
        for (int n = 0; n <= o.linesBefore() && from > 0; ) {
            from--;
            if (doc.charAt(from) == '\n') n++;
        }
        for (int n = 0; n < o.linesAfter() && to < doc.length(); to++) if (doc.charAt(to) == '\n') n++;
        Map<String, Integer> distance = new HashMap<>();
        Matcher m = IDENT.matcher(doc).region(from, to);
        while (m.find()) {
            String name = m.group();
            if (name.length() < 2 || KEYWORDS.contains(name)) continue;
            int d = m.end() <= cursor ? cursor - m.end() : m.start() - cursor;
            // a name being typed right at the cursor is incomplete: skip it
            if (m.end() == cursor) continue;
            distance.merge(name, d, Math::min);
        }
        return distance.entrySet().stream().sorted(Map.Entry.<String, Integer>comparingByValue().thenComparing(Map.Entry.comparingByKey()))
                .limit(o.maxNames()).map(Map.Entry::getKey).toList();
    }

    private List<GraphTools.Symbol> enclosingTypes(String repoId, String path, int line) {
        List<GraphTools.Symbol> out = new ArrayList<>();
        GraphTools.Symbol innermost = null;
        for (GraphTools.AstHit h : tools.outline(repoId, path)) {
            if (h.kind() == null || !TYPE_KINDS.contains(h.kind()) || h.name() == null) continue;
            if (h.startLine() <= line && line <= h.endLine()) {
                innermost = new GraphTools.Symbol(h.id(), h.path(), h.name(), null, h.kind(), h.startLine(), h.endLine());
            }
        }
        if (innermost != null) out.add(innermost);
        return out;
    }

    /** A callable's whole text when short, else its signature; a type's outline; other definitions' lines. */
    private Snippet snippetOf(Files files, GraphTools.Symbol d, String reason, Options o) {
        if (d.kind() != null && TYPE_KINDS.contains(d.kind())) return outlineOf(files, d, reason + ": " + d.name());
        int lines = d.endLine() - d.startLine() + 1;
        String text;
        int end = d.endLine();
        if (lines <= o.maxBodyLines()) {
            text = files.text(d.path(), d.startLine(), d.endLine());
        } else if (d.kind() != null && CALLABLE_KINDS.contains(d.kind())) {
            String head = files.text(d.path(), d.startLine(), Math.min(d.endLine(), d.startLine() + 5));
            String sig = signature(head);
            end = d.startLine() + (int) sig.chars().filter(c -> c == '\n').count() - 1;
            text = sig + indentOf(sig) + "    ...\n";
        } else {
            text = files.text(d.path(), d.startLine(), d.startLine() + o.maxBodyLines() - 1);
            end = d.startLine() + o.maxBodyLines() - 1;
        }
        if (text.isBlank()) return null;
        return new Snippet(d.path(), d.startLine(), end, d.name(), reason + ": " + d.name(), text, tokens.applyAsInt(text));
    }

    /** The first lines of a definition up to where its body opens ({@code {} or a trailing {@code :}). */
    static String signature(String head) {
        StringBuilder sb = new StringBuilder();
        for (String line : head.split("\n", -1)) {
            if (sb.isEmpty() && line.isBlank()) continue;
            sb.append(line).append('\n');
            String t = line.strip();
            if (t.endsWith("{") || t.endsWith(":") || t.endsWith(";") || t.endsWith("=>") || t.endsWith("->")) break;
        }
        return sb.toString();
    }

    /** The first line that is not an annotation, decorator, attribute or comment (with its newline), or null. */
    static String firstCodeLine(String lines) {
        for (String line : lines.split("\n")) {
            String t = line.strip();
            if (t.isEmpty() || t.startsWith("@") || t.startsWith("#[") || t.startsWith("//") || t.startsWith("/*") || t.startsWith("*")
                    || (t.startsWith("#") && !t.startsWith("#define"))) continue;
            return line + "\n";
        }
        return null;
    }

    private static String indentOf(String text) {
        int i = 0;
        while (i < text.length() && (text.charAt(i) == ' ' || text.charAt(i) == '\t')) i++;
        return text.substring(0, i);
    }

    /** A type's declaration line and the first line of each of its members, with their indentation. */
    private Snippet outlineOf(Files files, GraphTools.Symbol type, String reason) {
        List<GraphTools.Symbol> members = tools.members(files.repoId, type);
        StringBuilder sb = new StringBuilder(signature(files.text(type.path(), type.startLine(), type.startLine() + 3)));
        int lastLine = type.startLine();
        int memberEnd = type.startLine();
        for (GraphTools.Symbol m : members) {
            if (m.startLine() <= lastLine) continue; // nested deeper on the same line, or already shown
            String first = firstCodeLine(files.text(m.path(), m.startLine(), Math.min(m.endLine(), m.startLine() + 6)));
            if (first == null) continue;
            sb.append(first);
            lastLine = m.startLine();
            memberEnd = Math.max(memberEnd, m.endLine());
        }
        String text = sb.toString();
        if (text.isBlank()) return null;
        return new Snippet(type.path(), type.startLine(), Math.max(type.startLine(), Math.min(type.endLine(), memberEnd)), type.name(),
                reason, text, tokens.applyAsInt(text));
    }
}
