package carto.api.cli;

import carto.api.Json;
import carto.graph.KnowledgeGraph;
import carto.graph.RepositoryInfo;
import carto.graph.search.CodeIndex;
import carto.graph.tools.GraphTools;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

@Command(name = "query", description = "Query the knowledge graph with the agents' tools.", footer = {
        "", "Tools:",
        "  repositories                      ingested repositories",
        "  find-file BASENAME                files with this name",
        "  file PATH                         one file by relative path",
        "  ls [DIR]                          a directory of the file tree",
        "  ast-text TEXT [--path P]          smallest AST nodes containing TEXT",
        "  ast-type PATH TYPE                AST nodes of a type in a file",
        "  outline PATH                      definitions of a file",
        "  text TEXT                         text chunks containing TEXT",
        "  next-chunk ID                     the text chunk after ID",
        "  preview PATH [--lines N]          first lines of a file",
        "  read PATH START END               lines START..END of a file",
        "  definitions NAME                  where NAME (or a.qualified.Name) is defined",
        "  callers NAME / callees NAME       call graph",
        "  references NAME                   what refers to NAME",
        "  hierarchy NAME                    supertypes and subtypes",
        "  imports PATH                      imports of a file and its importers",
        "  search QUERY [--kind K] [--language L] [--path PREFIX]   full-text search (BM25)"})
public final class QueryCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "TOOL", description = "Tool name (see below).")
    String tool;

    @Parameters(index = "1..*", paramLabel = "ARGS", description = "Tool arguments.")
    List<String> args = List.of();

    @Option(names = "--repo", paramLabel = "REPO", description = "Repository id, name or path (optional when only one is ingested).")
    String repo;

    @Option(names = "--limit", description = "Maximum results (default ${DEFAULT-VALUE}, at most 200).", defaultValue = "50")
    int limit;

    @Option(names = "--path", description = "Restrict to a file (ast-text) or a path prefix (search).")
    String path;

    @Option(names = "--lines", description = "Lines for preview (default ${DEFAULT-VALUE}).", defaultValue = "60")
    int lines;

    @Option(names = "--kind", description = "search: symbol, code or text.")
    String kind;

    @Option(names = "--language", description = "search: only this language (java, python, ...).")
    String language;

    @Option(names = "--json", description = "Print JSON.")
    boolean json;

    @Mixin
    GraphOptions graph;

    @Override
    public Integer call() {
        try (KnowledgeGraph kg = graph.open(true)) {
            Object result = run(kg);
            System.out.println(json ? Json.write(result) : render(result));
        }
        return 0;
    }

    private String arg(int i, String name) {
        if (args.size() <= i) throw new IllegalArgumentException("query " + tool + " needs " + name + "; see carto query --help");
        return args.get(i);
    }

    private Object run(KnowledgeGraph kg) {
        if (tool.equals("repositories")) return kg.graph().repositories();
        RepositoryInfo r = kg.resolveRepository(repo);
        String id = r.id();
        GraphTools t = kg.tools();
        return switch (tool) {
            case "find-file" -> t.findFilesByBasename(id, arg(0, "a file name"), limit);
            case "file" -> t.findFile(id, arg(0, "a path")).orElseThrow(() -> new IllegalArgumentException("no file '" + args.getFirst() + "' in " + id));
            case "ls" -> t.listDirectory(id, args.isEmpty() ? "" : args.getFirst());
            case "ast-text" -> t.findAstNodesContainingText(id, arg(0, "the text to find"), path, limit);
            case "ast-type" -> t.findAstNodesByType(id, arg(0, "a file path"), arg(1, "a node type"), limit);
            case "outline" -> t.outline(id, arg(0, "a file path"));
            case "text" -> t.findTextNodesContainingText(id, arg(0, "the text to find"), limit);
            case "next-chunk" -> t.nextTextChunk(id, arg(0, "a text node id")).orElse(null);
            case "preview" -> t.previewFile(id, arg(0, "a file path"), lines);
            case "read" -> t.readCode(id, arg(0, "a file path"), intArg(1, "a start line"), intArg(2, "an end line"));
            case "definitions" -> t.definitions(id, arg(0, "a symbol name"), limit);
            case "callers" -> t.callers(id, arg(0, "a symbol name"), limit);
            case "callees" -> t.callees(id, arg(0, "a symbol name"), limit);
            case "references" -> t.references(id, arg(0, "a symbol name"), limit);
            case "hierarchy" -> t.typeHierarchy(id, arg(0, "a type name"), limit);
            case "imports" -> t.imports(id, arg(0, "a file path"));
            case "search" -> t.search(id, String.join(" ", args), CodeIndex.Kind.parse(kind), language, path, limit);
            default -> throw new IllegalArgumentException("unknown tool '" + tool + "'; see carto query --help for the list");
        };
    }

    private int intArg(int i, String name) {
        try {
            return Integer.parseInt(arg(i, name));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " must be a number, got '" + args.get(i) + "'");
        }
    }

    static String render(Object o) {
        if (o == null) return "(nothing)";
        if (o instanceof GraphTools.CodeSnippet s) return s.path() + " lines " + s.startLine() + "-" + s.endLine() + " of " + s.totalLines()
                + (s.truncated() ? " (truncated)" : "") + "\n" + s.text();
        if (o instanceof List<?> l) {
            if (l.isEmpty()) return "(no results)";
            StringBuilder sb = new StringBuilder();
            for (Object x : l) sb.append(line(x)).append('\n');
            return sb.toString().stripTrailing();
        }
        return Json.write(o);
    }

    /** A symbol by its qualified name, or its name (a file, for code outside every definition, has no qualified name). */
    private static String shown(GraphTools.Symbol s) {
        return s.qualifiedName() != null ? s.qualifiedName() : s.name();
    }

    private static String line(Object x) {
        return switch (x) {
            case GraphTools.FileHit f -> f.path() + (f.language() != null ? "  [" + f.language() + "]" : "") + (f.skipReason() != null ? "  (" + f.skipReason() + ")" : "")
                    + (f.syntaxError() != null ? "  (syntax error, " + f.syntaxError() + ")" : "");
            case GraphTools.AstHit a -> a.path() + ":" + a.startLine() + "-" + a.endLine() + "  " + a.type() + (a.name() != null ? " " + a.name() : "")
                    + (a.firstLine() != null ? "  | " + a.firstLine() : "");
            case GraphTools.TextHit t -> t.path() + ":" + t.startLine() + "-" + t.endLine() + "  " + (t.heading() != null ? t.heading() : "") + "  [" + t.id() + "]";
            case GraphTools.Symbol s -> s.path() + ":" + s.startLine() + "-" + s.endLine() + "  " + s.kind() + " " + shown(s);
            case GraphTools.Relation r -> r.from().path() + ":" + r.line() + "  " + shown(r.from()) + " -" + r.type() + "-> " + shown(r.to())
                    + "  (" + r.to().path() + ":" + r.to().startLine() + ", " + r.resolution() + ")";
            case CodeIndex.Hit h -> String.format(Locale.ROOT, "%.2f  %s:%d-%d  %s%s", h.score(), h.path(), h.startLine(), h.endLine(),
                    h.kind().name().toLowerCase(Locale.ROOT), h.name() != null ? " " + h.name() : "") + (h.snippet() != null ? "\n        " + h.snippet().replace("\n", "\n        ") : "");
            case RepositoryInfo r -> r.id() + "  " + r.path() + "  files=" + r.files() + (r.commit() != null ? "  commit=" + r.commit() : "")
                    + (r.ingestFinished() ? "" : "  (its last ingest did not finish: the next `carto ingest` redoes it)");
            default -> Json.compact(x);
        };
    }
}
