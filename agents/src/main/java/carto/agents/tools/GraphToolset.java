package carto.agents.tools;

import carto.agents.llm.Tool;
import carto.agents.llm.ToolException;
import carto.graph.GraphException;
import carto.graph.search.CodeIndex;
import carto.graph.tools.GraphTools;
import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;

import static carto.agents.tools.Schema.integer;
import static carto.agents.tools.Schema.opt;
import static carto.agents.tools.Schema.req;
import static carto.agents.tools.Schema.str;

/**
 * The knowledge-graph tools for one repository, as agents call them: answers are compact text
 * (paths with line ranges first) that small models read well; a bad argument comes back as an
 * error message naming the fix.
 */
public final class GraphToolset {
    private GraphToolset() {}

    public static List<Tool> create(GraphTools g, String repo) {
        List<Tool> t = new ArrayList<>();
        t.add(tool("find_file", "Find files by base name (e.g. Parser.java) or by a fragment of their path.",
                Schema.object(req("name", "string", "base name or path fragment")),
                a -> {
                    String n = str(a, "name");
                    return lines(g.findFiles(repo, n, 30), f -> f.path() + (f.language() != null ? " (" + f.language() + ", " + f.lines() + " lines)" : ""), "no file matches \"" + n + "\"");
                }));
        t.add(tool("list_directory", "List a directory of the repository ('' for the root).",
                Schema.object(opt("path", "string", "directory path relative to the root")),
                a -> lines(g.listDirectory(repo, str(a, "path", "")), f -> f.path() + ("directory".equals(f.language()) ? "/" : ""), "empty or missing directory")));
        t.add(tool("outline", "The definitions in a file (classes, functions, methods, fields) with their line ranges.",
                Schema.object(req("path", "string", "file path relative to the root")),
                a -> lines(g.outline(repo, str(a, "path")), h -> h.startLine() + "-" + h.endLine() + " " + h.kind() + " " + h.name()
                        + (h.firstLine() != null ? "  | " + h.firstLine() : ""), "no definitions in this file")));
        t.add(tool("read_code", "Read lines of a file as ingested (numbered). At most 400 lines per call.",
                Schema.object(req("path", "string", "file path relative to the root"), opt("start_line", "integer", "first line (from 1)"),
                        opt("end_line", "integer", "last line")),
                a -> {
                    int s = integer(a, "start_line", 1);
                    var c = g.readCode(repo, str(a, "path"), s, integer(a, "end_line", s + 199));
                    return c.path() + " lines " + c.startLine() + "-" + c.endLine() + " of " + c.totalLines() + (c.truncated() ? " (truncated)" : "") + "\n" + c.text();
                }));
        t.add(tool("find_code", "Find code (AST nodes) containing a piece of text, optionally in one file.",
                Schema.object(req("text", "string", "exact text to look for"), opt("path", "string", "only in this file")),
                a -> lines(g.findAstNodesContainingText(repo, str(a, "text"), str(a, "path", null), 20),
                        h -> h.path() + ":" + h.startLine() + "-" + h.endLine() + " " + h.type() + (h.name() != null ? " " + h.name() : "")
                                + (h.firstLine() != null ? "  | " + h.firstLine() : ""), "no code contains that text")));
        t.add(tool("find_text", "Find documentation chunks (Markdown, text) containing a piece of text.",
                Schema.object(req("text", "string", "text to look for")),
                a -> lines(g.findTextNodesContainingText(repo, str(a, "text"), 10),
                        h -> h.path() + ":" + h.startLine() + "-" + h.endLine() + (h.heading() != null ? " [" + h.heading() + "]" : "") + "\n" + h.text(), "no documentation contains that text")));
        t.add(tool("definitions", "Where a symbol (class, function, method, field) is defined; a qualified name (a.b.C) narrows it.",
                Schema.object(req("name", "string", "symbol name")),
                a -> lines(g.definitions(repo, str(a, "name"), 20), GraphToolset::symbol, "no definition named \"" + str(a, "name") + "\"")));
        t.add(relations("callers", "Who calls a function or method.", (n) -> g.callers(repo, n, 30)));
        t.add(relations("callees", "What a function or method calls.", (n) -> g.callees(repo, n, 30)));
        t.add(relations("references", "Every place that uses a symbol (calls and references).", (n) -> g.references(repo, n, 40)));
        t.add(tool("type_hierarchy", "Supertypes and subtypes of a class or interface.",
                Schema.object(req("name", "string", "type name")),
                a -> {
                    var h = g.typeHierarchy(repo, str(a, "name"), 30);
                    if (h.types().isEmpty()) return "no type named \"" + str(a, "name") + "\"";
                    StringBuilder sb = new StringBuilder();
                    h.supertypes().forEach(r -> sb.append("supertype: ").append(symbol(r.from())).append(" ").append(r.type().toLowerCase(Locale.ROOT)).append(" ").append(symbol(r.to())).append('\n'));
                    h.subtypes().forEach(r -> sb.append("subtype: ").append(symbol(r.from())).append(" ").append(r.type().toLowerCase(Locale.ROOT)).append(" ").append(symbol(r.to())).append('\n'));
                    return sb.isEmpty() ? "no supertypes or subtypes in the repository" : sb.toString();
                }));
        t.add(tool("imports", "Which repository files a file imports, and which import it.",
                Schema.object(req("path", "string", "file path relative to the root")),
                a -> {
                    var i = g.imports(repo, str(a, "path"));
                    StringBuilder sb = new StringBuilder();
                    i.imports().forEach(f -> sb.append("imports ").append(f.path()).append('\n'));
                    i.importedBy().forEach(f -> sb.append("imported by ").append(f.path()).append('\n'));
                    return sb.isEmpty() ? "no imports within the repository" : sb.toString();
                }));
        t.add(tool("search", "Full-text search (BM25) over symbols, code and documentation.",
                Schema.object(req("query", "string", "words to search for"), opt("kind", "string", "symbol, code or text")),
                a -> {
                    CodeIndex.Kind k = CodeIndex.Kind.parse(str(a, "kind", null));
                    return lines(g.search(repo, str(a, "query"), k, null, null, 15), h -> h.path() + ":" + h.startLine() + "-" + h.endLine() + " "
                            + h.kind().name().toLowerCase(Locale.ROOT) + (h.name() != null ? " " + h.name() : "")
                            + (h.snippet() != null ? "  | " + h.snippet().strip().replace('\n', ' ') : ""), "nothing found");
                }));
        return t;
    }

    private static Tool relations(String name, String description, Function<String, List<GraphTools.Relation>> f) {
        return tool(name, description, Schema.object(req("name", "string", "function, method or symbol name")),
                a -> lines(f.apply(str(a, "name")), r -> symbol(r.from()) + " -> " + symbol(r.to()) + " at line " + r.line() + " (" + r.resolution() + ")",
                        "nothing found for \"" + str(a, "name") + "\""));
    }

    static String symbol(GraphTools.Symbol s) {
        if (s == null) return "?";
        return s.path() + ":" + s.startLine() + "-" + s.endLine() + " " + (s.kind() != null ? s.kind() + " " : "")
                + (s.qualifiedName() != null ? s.qualifiedName() : s.name());
    }

    private static Tool tool(String name, String description, String schema, Function<JsonNode, String> body) {
        return new FunctionTool(name, description, schema, a -> {
            try {
                return body.apply(a);
            } catch (GraphException | IllegalArgumentException e) {
                throw new ToolException(e.getMessage());
            }
        });
    }

    private static <T> String lines(List<T> items, Function<T, String> f, String empty) {
        if (items.isEmpty()) return empty;
        StringBuilder sb = new StringBuilder();
        for (T i : items) sb.append(f.apply(i)).append('\n');
        return sb.toString();
    }
}
