package carto.graph.tools;

import carto.graph.GraphException;
import carto.graph.RepositoryInfo;
import carto.graph.neo4j.Neo4jCodeGraph;
import carto.graph.search.CodeIndex;
import org.neo4j.driver.Record;
import org.neo4j.driver.Value;

import java.io.IOException;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The tools agents and users query the knowledge graph with: Prometheus's set (files by name or
 * path, AST nodes by text or type, text chunks, previews, code by lines) and the semantic ones
 * beyond it (definitions, callers, callees, references, type hierarchy, imports, full-text
 * search). Arguments only ever travel as query parameters; every result is bounded and ordered.
 */
public final class GraphTools {
    public static final int MAX_RESULTS = 200;
    public static final int MAX_LINES = 400;

    /** A file or directory; {@code skipReason}: why it was kept without content; {@code syntaxError}: where its first syntax error is. */
    public record FileHit(String path, String basename, String language, int lines, long size, String skipReason, String syntaxError) {}

    public record AstHit(String id, String path, String type, String name, String kind, int startLine, int endLine,
                         int startByte, int endByte, String firstLine) {}

    public record TextHit(String id, String path, int index, int startLine, int endLine, String heading, String text) {}

    /** Lines [startLine, endLine] of a file (1-based), each prefixed with its number. */
    public record CodeSnippet(String path, int startLine, int endLine, int totalLines, boolean truncated, String text) {}

    /** A definition, or a file (kind {@code file}, its name the basename) where code outside every definition calls or refers. */
    public record Symbol(String id, String path, String name, String qualifiedName, String kind, int startLine, int endLine) {}

    /** A semantic edge between two symbols (or files, for imports; or from a file, for its code outside every definition). */
    public record Relation(String type, String resolution, int line, Symbol from, Symbol to) {}

    public record Hierarchy(List<Symbol> types, List<Relation> supertypes, List<Relation> subtypes) {}

    public record Imports(String path, List<FileHit> imports, List<FileHit> importedBy) {}

    private final Neo4jCodeGraph graph;
    private final CodeIndex index;
    private final Map<String, Path> roots = new ConcurrentHashMap<>();

    public GraphTools(Neo4jCodeGraph graph, CodeIndex index) {
        this.graph = graph;
        this.index = index;
    }

    static int bound(int limit) {
        return Math.max(1, Math.min(MAX_RESULTS, limit <= 0 ? 50 : limit));
    }

    private Path root(String repoId) {
        return roots.computeIfAbsent(repoId, id -> {
            RepositoryInfo r = graph.repository(id).orElseThrow(() -> new carto.graph.RepositoryNotFoundException("no repository '" + id
                    + "' in the graph; ingest it first (carto ingest PATH) or list them with carto query repositories"));
            return Path.of(r.path());
        });
    }

    private List<Record> query(String what, String cypher, Map<String, Object> params) {
        return graph.read(what, tx -> tx.run(cypher, params).list());
    }

    // ---- files ----

    public List<FileHit> findFilesByBasename(String repoId, String basename, int limit) {
        return query("finding files", """
                MATCH (f:File {repoId: $repo, basename: $name}) WHERE f.kind = 'file'
                RETURN f ORDER BY f.relativePath LIMIT $limit""", Map.of("repo", repoId, "name", basename, "limit", bound(limit)))
                .stream().map(r -> file(r.get("f"))).toList();
    }

    public Optional<FileHit> findFile(String repoId, String relativePath) {
        return query("finding a file", "MATCH (f:File {repoId: $repo, relativePath: $path}) RETURN f",
                Map.of("repo", repoId, "path", normalize(relativePath))).stream().map(r -> file(r.get("f"))).findFirst();
    }

    /** Files whose relative path contains the fragment (case-sensitive), for browsing and pickers. */
    /** Files by base name, or by path fragment when the name has a '/' or no base name matches. */
    public List<FileHit> findFiles(String repoId, String nameOrFragment, int limit) {
        if (nameOrFragment.contains("/")) return findFilesByPathFragment(repoId, nameOrFragment, limit);
        List<FileHit> hits = findFilesByBasename(repoId, nameOrFragment, limit);
        return hits.isEmpty() ? findFilesByPathFragment(repoId, nameOrFragment, limit) : hits;
    }

    public List<FileHit> findFilesByPathFragment(String repoId, String fragment, int limit) {
        return query("finding files", """
                MATCH (f:File {repoId: $repo}) WHERE f.kind = 'file' AND f.relativePath CONTAINS $frag
                RETURN f ORDER BY f.relativePath LIMIT $limit""", Map.of("repo", repoId, "frag", fragment, "limit", bound(limit)))
                .stream().map(r -> file(r.get("f"))).toList();
    }

    /** Children of a directory ("" for the repository root): directories first, then files, by name. */
    public List<FileHit> listDirectory(String repoId, String dir) {
        String d = normalize(dir);
        String cypher = d.isEmpty()
                ? "MATCH (:Repository {id: $repo})-[:HAS_FILE]->(f:File) RETURN f ORDER BY f.kind, f.basename LIMIT 2000"
                : "MATCH (:File {repoId: $repo, relativePath: $dir})-[:HAS_FILE]->(f:File) RETURN f ORDER BY f.kind, f.basename LIMIT 2000";
        return query("listing a directory", cypher, Map.of("repo", repoId, "dir", d)).stream().map(r -> file(r.get("f"))).toList();
    }

    private static FileHit file(Value f) {
        boolean dir = "directory".equals(f.get("kind").asString(""));
        return new FileHit(f.get("relativePath").asString(), f.get("basename").asString(""), dir ? "directory" : f.get("language").asString(null),
                f.get("lines").asInt(0), f.get("size").asLong(0), f.get("skipReason").asString(null), f.get("syntaxError").asString(null));
    }

    // ---- AST ----

    /** A file's nodes: all of them hang from its File node through HAS_AST and PARENT_OF. */
    static final String AST_BY_TYPE = """
            MATCH (:File {repoId: $repo, relativePath: $path})-[:HAS_AST]->(:AstNode)-[:PARENT_OF*0..]->(n:AstNode) WHERE n.type = $type
            RETURN n ORDER BY n.startByte LIMIT $limit""";
    /**
     * The smallest node containing a byte range: from the file's root down through the nodes that contain it (a
     * node's children lie inside it), so one path of the tree is read, not the whole file.
     */
    static final String NODE_CONTAINING = """
            MATCH (:File {repoId: $repo, relativePath: $path})-[:HAS_AST]->(root:AstNode) WHERE root.startByte <= $s AND root.endByte >= $e
            MATCH (root)((:AstNode)-[:PARENT_OF]->(c:AstNode) WHERE c.startByte <= $s AND c.endByte >= $e)*(n)
            RETURN n ORDER BY n.endByte - n.startByte ASC, n.startByte ASC LIMIT 1""";
    /** A file's definitions: "startByte/kind IS NOT NULL" lets the planner seek on the ast_definition index's prefix. */
    static final String OUTLINE = """
            MATCH (n:AstNode {repoId: $repo, path: $path}) WHERE n.startByte IS NOT NULL AND n.kind IS NOT NULL
            RETURN n ORDER BY n.startByte LIMIT 1000""";

    /** The smallest AST nodes whose source contains {@code text}, searched in the files themselves. */
    public List<AstHit> findAstNodesContainingText(String repoId, String text, String pathOrNull, int limit) {
        if (text == null || text.isEmpty()) throw new IllegalArgumentException("the text to search for is empty");
        int max = bound(limit);
        Path root = root(repoId);
        List<String> paths = pathOrNull != null ? List.of(normalize(pathOrNull)) : query("listing files", """
                MATCH (f:File {repoId: $repo}) WHERE f.kind = 'file' AND f.language IS NOT NULL AND f.skipReason IS NULL
                RETURN f.relativePath AS p ORDER BY p""", Map.of("repo", repoId)).stream().map(r -> r.get("p").asString()).toList();
        List<AstHit> hits = new ArrayList<>();
        for (String p : paths) {
            String content = readFileText(root, p);
            if (content == null) continue;
            int from = 0, idx;
            byte[] utf8Prefix;
            while ((idx = content.indexOf(text, from)) >= 0 && hits.size() < max) {
                utf8Prefix = content.substring(0, idx).getBytes(StandardCharsets.UTF_8);
                int startByte = utf8Prefix.length;
                int endByte = startByte + text.getBytes(StandardCharsets.UTF_8).length;
                query("locating a node", NODE_CONTAINING, Map.of("repo", repoId, "path", p, "s", startByte, "e", endByte)).stream()
                        .map(r -> ast(r.get("n"), p, content)).filter(h -> hits.stream().noneMatch(x -> x.id().equals(h.id()))).forEach(hits::add);
                from = idx + Math.max(1, text.length());
            }
            if (hits.size() >= max) break;
        }
        return hits;
    }

    public List<AstHit> findAstNodesByType(String repoId, String path, String type, int limit) {
        Path root = root(repoId);
        String p = normalize(path);
        String content = readFileText(root, p);
        return query("finding AST nodes", AST_BY_TYPE, Map.of("repo", repoId, "path", p, "type", type, "limit", bound(limit)))
                .stream().map(r -> ast(r.get("n"), p, content)).toList();
    }

    /** Top-level structure of a file: its definitions in source order (the outline view). */
    public List<AstHit> outline(String repoId, String path) {
        String p = normalize(path);
        String content = readFileText(root(repoId), p);
        return query("reading an outline", OUTLINE, Map.of("repo", repoId, "path", p)).stream().map(r -> ast(r.get("n"), p, content)).toList();
    }

    /** A node of the file at {@code path} (only definitions store their path). */
    private static AstHit ast(Value n, String path, String content) {
        int sb = n.get("startByte").asInt(), eb = n.get("endByte").asInt();
        String first = null;
        if (content != null) first = firstLineAt(content, n.get("startLine").asInt());
        return new AstHit(astId(n, path), path, n.get("type").asString(), n.get("name").asString(null),
                n.get("kind").asString(null), n.get("startLine").asInt(), n.get("endLine").asInt(), sb, eb, first);
    }

    /** A node's stable id: repository, file, byte range and type. */
    static String astId(Value n, String path) {
        return n.get("repoId").asString() + "|" + path + "|" + n.get("startByte").asInt() + "|" + n.get("endByte").asInt()
                + "|" + n.get("type").asString();
    }

    private static String firstLineAt(String content, int line) {
        int start = 0;
        for (int i = 1; i < line && start >= 0; i++) {
            start = content.indexOf('\n', start);
            if (start >= 0) start++;
        }
        if (start < 0 || start > content.length()) return null;
        int end = content.indexOf('\n', start);
        String l = content.substring(start, end < 0 ? content.length() : end).strip();
        return l.length() > 160 ? l.substring(0, 160) + "..." : l;
    }

    // ---- text ----

    public List<TextHit> findTextNodesContainingText(String repoId, String text, int limit) {
        return query("searching text chunks", """
                MATCH (t:TextNode {repoId: $repo}) WHERE t.text CONTAINS $text
                RETURN t ORDER BY t.path, t.index LIMIT $limit""", Map.of("repo", repoId, "text", text, "limit", bound(limit)))
                .stream().map(r -> text(r.get("t"))).toList();
    }

    public Optional<TextHit> nextTextChunk(String repoId, String textNodeId) {
        int cut = textNodeId.lastIndexOf("|text|");
        String prefix = repoId + "|";
        if (cut < 0 || !textNodeId.startsWith(prefix)) {
            throw new IllegalArgumentException("'" + textNodeId + "' is not a text chunk id of repository " + repoId + " (ids look like " + repoId + "|docs/README.md|text|0)");
        }
        String path = textNodeId.substring(prefix.length(), cut);
        int index;
        try {
            index = Integer.parseInt(textNodeId.substring(cut + "|text|".length()));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + textNodeId + "' does not end in a chunk number");
        }
        return query("reading the next chunk", """
                MATCH (:TextNode {repoId: $repo, path: $path, index: $index})-[:NEXT_CHUNK]->(t:TextNode) RETURN t""",
                Map.of("repo", repoId, "path", path, "index", index)).stream().map(r -> text(r.get("t"))).findFirst();
    }

    private static TextHit text(Value t) {
        String id = t.get("repoId").asString() + "|" + t.get("path").asString() + "|text|" + t.get("index").asInt();
        return new TextHit(id, t.get("path").asString(), t.get("index").asInt(), t.get("startLine").asInt(),
                t.get("endLine").asInt(), t.get("heading").asString(null), t.get("text").asString());
    }

    // ---- code ----

    public CodeSnippet previewFile(String repoId, String path, int maxLines) {
        return readCode(repoId, path, 1, Math.max(1, Math.min(MAX_LINES, maxLines <= 0 ? 100 : maxLines)));
    }

    /** Lines of a file with their numbers; at most {@value #MAX_LINES} per call. */
    public CodeSnippet readCode(String repoId, String path, int startLine, int endLine) {
        return slice(repoId, path, startLine, endLine, true);
    }

    /** Lines [startLine, endLine] (1-based, inclusive) of a file as they are, without numbers; at most {@value #MAX_LINES}. */
    public CodeSnippet sourceText(String repoId, String path, int startLine, int endLine) {
        return slice(repoId, path, startLine, endLine, false);
    }

    /** The whole text of a file of the repository, as ingest decoded it. */
    public String fileContent(String repoId, String path) {
        String p = normalize(path);
        if (findFile(repoId, p).isEmpty()) {
            throw new GraphException("no file '" + p + "' in repository '" + repoId + "'; find it with find_file_by_basename");
        }
        String content = readFileText(root(repoId), p);
        if (content == null) throw new GraphException("file '" + p + "' is in the graph but cannot be read from disk (moved or deleted since ingest?)");
        return content;
    }

    private CodeSnippet slice(String repoId, String path, int startLine, int endLine, boolean numbered) {
        String p = normalize(path);
        String content = fileContent(repoId, p);
        String[] lines = content.split("\n", -1);
        int total = content.endsWith("\n") ? lines.length - 1 : lines.length;
        int s = Math.max(1, startLine);
        if (s > total) return new CodeSnippet(p, s, s - 1, total, false, "");
        int e = Math.min(total, Math.max(s, endLine));
        boolean truncated = false;
        if (e - s + 1 > MAX_LINES) {
            e = s + MAX_LINES - 1;
            truncated = true;
        }
        StringBuilder sb = new StringBuilder();
        for (int i = s; i <= e; i++) {
            if (numbered) sb.append(i).append(": ");
            sb.append(lines[i - 1]).append('\n');
        }
        return new CodeSnippet(p, s, e, total, truncated, sb.toString());
    }

    // ---- symbols and semantic edges ----

    /**
     * A repository's definitions {@code d} whose qualified name is {@code $name} or ends with {@code $dotted}: "IS NOT
     * NULL" on every property of ast_definition lets the planner read only definitions, through that index's repoId prefix.
     */
    static final String DEFINITIONS_BY_QUALIFIED_NAME = "MATCH (d:AstNode {repoId: $repo}) WHERE d.path IS NOT NULL AND d.startByte IS NOT NULL"
            + " AND d.kind IS NOT NULL AND (d.qualifiedName = $name OR d.qualifiedName ENDS WITH $dotted)";
    /** A repository's definitions {@code d} named {@code $name}, through the ast_name index. */
    static final String DEFINITIONS_BY_NAME = "MATCH (d:AstNode {repoId: $repo, name: $name}) WHERE d.kind IS NOT NULL";

    /** The clause matching the definitions {@code d} a name means: by qualified name when it contains a dot. */
    private static String matchDefinitions(String name) {
        return name.contains(".") || name.contains("::") ? DEFINITIONS_BY_QUALIFIED_NAME : DEFINITIONS_BY_NAME;
    }

    /** Definitions named {@code name}, or whose qualified name ends with it when it contains a dot. */
    public List<Symbol> definitions(String repoId, String name, int limit) {
        String cypher = matchDefinitions(name) + " RETURN d AS n ORDER BY n.path, n.startLine LIMIT $limit";
        return query("finding definitions", cypher, Map.of("repo", repoId, "name", name, "dotted", "." + name, "limit", bound(limit)))
                .stream().map(r -> symbol(r.get("n"))).toList();
    }

    /** Definitions of several plain names in one query: at most {@code perName} each, in path and line order, keyed by name. */
    public Map<String, List<Symbol>> definitionsOf(String repoId, java.util.Collection<String> names, int perName) {
        Map<String, List<Symbol>> out = new java.util.LinkedHashMap<>();
        if (names.isEmpty()) return out;
        List<String> distinct = names.stream().distinct().limit(MAX_RESULTS).toList();
        for (Record r : query("finding definitions", """
                UNWIND $names AS name
                MATCH (n:AstNode {repoId: $repo, name: name}) WHERE n.kind IS NOT NULL
                WITH name, n ORDER BY n.path, n.startLine
                WITH name, collect(n)[..$per] AS found
                UNWIND found AS n RETURN name, n""", Map.of("repo", repoId, "names", distinct, "per", bound(perName)))) {
            out.computeIfAbsent(r.get("name").asString(), k -> new ArrayList<>()).add(symbol(r.get("n")));
        }
        return out;
    }

    /** The definitions inside a symbol's range in its file (a type's members), in source order, without the symbol itself. */
    public List<Symbol> members(String repoId, Symbol owner) {
        int sb = startByteOf(owner.id());
        int eb = endByteOf(owner.id());
        return query("listing members", """
                MATCH (n:AstNode {repoId: $repo, path: $path}) WHERE n.kind IS NOT NULL AND n.startByte >= $sb AND n.endByte <= $eb
                  AND NOT (n.startByte = $sb AND n.endByte = $eb)
                RETURN n ORDER BY n.startByte LIMIT $limit""", Map.of("repo", repoId, "path", owner.path(), "sb", sb, "eb", eb, "limit", MAX_RESULTS))
                .stream().map(r -> symbol(r.get("n"))).toList();
    }

    public List<Relation> callers(String repoId, String name, int limit) {
        return relations(repoId, name, "CALLS", true, limit);
    }

    public List<Relation> callees(String repoId, String name, int limit) {
        return relations(repoId, name, "CALLS", false, limit);
    }

    /** Everything that references the named definitions: REFERENCES and CALLS edges pointing at them. */
    public List<Relation> references(String repoId, String name, int limit) {
        return relations(repoId, name, "REFERENCES|CALLS", true, limit);
    }

    private List<Relation> relations(String repoId, String name, String types, boolean incoming, int limit) {
        // incoming: from definitions, and from files for their code outside every definition (a script's main(), a test's callbacks)
        String cypher = matchDefinitions(name) + (incoming
                ? " MATCH (o)-[r:" + types + "]->(d) WHERE o:AstNode OR o:File"
                + " RETURN o AS a, r, d AS b ORDER BY coalesce(a.path, a.relativePath), r.line, coalesce(a.startLine, 0) LIMIT $limit"
                : " MATCH (d)-[r:" + types + "]->(o:AstNode) RETURN d AS a, r, o AS b ORDER BY b.path, r.line, b.startLine LIMIT $limit");
        return query("following " + types, cypher, Map.of("repo", repoId, "name", name, "dotted", "." + name, "limit", bound(limit)))
                .stream().map(GraphTools::relation).toList();
    }

    /** Supertypes (EXTENDS/IMPLEMENTS chains upwards) and subtypes (downwards) of the named types, up to 5 levels. */
    public Hierarchy typeHierarchy(String repoId, String name, int limit) {
        List<Symbol> types = definitions(repoId, name, limit).stream()
                .filter(s -> s.kind() != null && !s.kind().equals("method") && !s.kind().equals("function") && !s.kind().equals("field")).toList();
        List<Map<String, Object>> keys = types.stream().map(t -> Map.<String, Object>of("path", t.path(), "sb", startByteOf(t.id()))).toList();
        Map<String, Object> params = Map.of("repo", repoId, "keys", keys, "limit", bound(limit));
        List<Relation> up = query("walking supertypes", """
                UNWIND $keys AS k MATCH (t:AstNode {repoId: $repo, path: k.path, startByte: k.sb}) WHERE t.kind IS NOT NULL
                MATCH p = (t)-[:EXTENDS|IMPLEMENTS*1..5]->(:AstNode)
                UNWIND relationships(p) AS r
                WITH DISTINCT r RETURN startNode(r) AS a, r, endNode(r) AS b ORDER BY a.path, a.startLine, b.path LIMIT $limit""", params)
                .stream().map(GraphTools::relation).toList();
        List<Relation> down = query("walking subtypes", """
                UNWIND $keys AS k MATCH (t:AstNode {repoId: $repo, path: k.path, startByte: k.sb}) WHERE t.kind IS NOT NULL
                MATCH p = (:AstNode)-[:EXTENDS|IMPLEMENTS*1..5]->(t)
                UNWIND relationships(p) AS r
                WITH DISTINCT r RETURN startNode(r) AS a, r, endNode(r) AS b ORDER BY a.path, a.startLine, b.path LIMIT $limit""", params)
                .stream().map(GraphTools::relation).toList();
        return new Hierarchy(types, up, down);
    }

    private static int startByteOf(String astId) {
        String[] parts = astId.split("\\|");
        return Integer.parseInt(parts[parts.length - 3]);
    }

    private static int endByteOf(String astId) {
        String[] parts = astId.split("\\|");
        return Integer.parseInt(parts[parts.length - 2]);
    }

    public Imports imports(String repoId, String path) {
        String p = normalize(path);
        List<FileHit> out = query("reading imports", """
                MATCH (:File {repoId: $repo, relativePath: $path})-[:IMPORTS]->(f:File) RETURN f ORDER BY f.relativePath LIMIT 500""",
                Map.of("repo", repoId, "path", p)).stream().map(r -> file(r.get("f"))).toList();
        List<FileHit> in = query("reading importers", """
                MATCH (f:File)-[:IMPORTS]->(:File {repoId: $repo, relativePath: $path}) RETURN f ORDER BY f.relativePath LIMIT 500""",
                Map.of("repo", repoId, "path", p)).stream().map(r -> file(r.get("f"))).toList();
        return new Imports(p, out, in);
    }

    private static Relation relation(Record r) {
        Value rel = r.get("r");
        return new Relation(rel.asRelationship().type(), rel.get("resolution").asString(null), rel.get("line").asInt(0),
                symbol(r.get("a")), symbol(r.get("b")));
    }

    private static Symbol symbol(Value n) {
        if (n.get("path").isNull() && !n.get("relativePath").isNull()) {
            String path = n.get("relativePath").asString();
            return new Symbol(n.get("repoId").asString() + "|" + path, path, n.get("basename").asString(path), null, "file", 1, Math.max(1, n.get("lines").asInt(1)));
        }
        return new Symbol(astId(n, n.get("path").asString()), n.get("path").asString(), n.get("name").asString(null), n.get("qualifiedName").asString(null),
                n.get("kind").asString(null), n.get("startLine").asInt(), n.get("endLine").asInt());
    }

    // ---- architecture ----

    /** A dependency between two files: how many imports or code references (calls, references, extends) go from one to the other, and one example line. */
    public record FileDependency(String from, String to, int imports, int references, int exampleLine) {}

    /** File-to-file dependencies inside the repository, from the IMPORTS edges and the semantic edges between code in different files. */
    public List<FileDependency> fileDependencies(String repoId) {
        Map<String, int[]> m = new java.util.LinkedHashMap<>();
        for (Record r : query("reading imports", """
                MATCH (a:File {repoId: $repo})-[:IMPORTS]->(b:File {repoId: $repo}) WHERE a <> b
                RETURN a.relativePath AS a, b.relativePath AS b
                """, Map.of("repo", repoId))) {
            m.computeIfAbsent(r.get("a").asString() + "\n" + r.get("b").asString(), k -> new int[3])[0]++;
        }
        for (Record r : query("reading code references", """
                MATCH (x {repoId: $repo})-[e:CALLS|REFERENCES|EXTENDS|IMPLEMENTS]->(y:AstNode {repoId: $repo})
                WHERE (x:AstNode OR x:File) AND coalesce(x.path, x.relativePath) <> y.path
                RETURN coalesce(x.path, x.relativePath) AS a, y.path AS b, count(e) AS c, min(e.line) AS line
                """, Map.of("repo", repoId))) {
            int[] v = m.computeIfAbsent(r.get("a").asString() + "\n" + r.get("b").asString(), k -> new int[3]);
            v[1] += r.get("c").asInt();
            if (v[2] == 0) v[2] = r.get("line").asInt(0);
        }
        List<FileDependency> out = new ArrayList<>();
        m.forEach((k, v) -> {
            String[] ab = k.split("\n", 2);
            out.add(new FileDependency(ab[0], ab[1], v[0], v[1], v[2]));
        });
        return out;
    }

    /** The symbols the rest of the repository uses most (incoming calls, references and inheritance from other files). */
    public List<Map.Entry<Symbol, Integer>> mostUsed(String repoId, java.util.Collection<String> kinds, int limit) {
        List<Map.Entry<Symbol, Integer>> out = new ArrayList<>();
        for (Record r : query("finding key symbols", """
                MATCH (d:AstNode {repoId: $repo})<-[e:CALLS|REFERENCES|EXTENDS|IMPLEMENTS]-(x {repoId: $repo})
                WHERE d.kind IN $kinds AND (x:AstNode OR x:File) AND coalesce(x.path, x.relativePath) <> d.path
                RETURN d, count(e) AS uses ORDER BY uses DESC, d.path, d.startLine LIMIT $limit
                """, Map.of("repo", repoId, "kinds", List.copyOf(kinds), "limit", bound(limit)))) {
            out.add(Map.entry(symbol(r.get("d")), r.get("uses").asInt()));
        }
        return out;
    }

    /** Every file of the repository that was read (skipped files left out), with its language. */
    public List<FileHit> files(String repoId) {
        return query("listing files", """
                MATCH (f:File {repoId: $repo}) WHERE f.kind = 'file' AND f.skipReason IS NULL
                RETURN f ORDER BY f.relativePath
                """, Map.of("repo", repoId)).stream().map(r -> file(r.get("f"))).toList();
    }

    /** Content hashes of the repository's files, by path. */
    public Map<String, String> fileHashes(String repoId) {
        return graph.fileHashes(repoId);
    }

    // ---- full text ----

    public List<CodeIndex.Hit> search(String repoId, String query, CodeIndex.Kind kind, String language, String pathPrefix, int limit) {
        return index.search(new CodeIndex.SearchQuery(repoId, query, kind, language, pathPrefix, bound(limit)));
    }

    // ---- helpers ----

    /** Repository-relative, forward slashes, no leading "./" or "/"; ".." is refused. */
    static String normalize(String path) {
        if (path == null) return "";
        String p = path.replace('\\', '/').strip();
        while (p.startsWith("./")) p = p.substring(2);
        while (p.startsWith("/")) p = p.substring(1);
        while (p.endsWith("/")) p = p.substring(0, p.length() - 1);
        for (String part : p.split("/")) {
            if (part.equals("..")) throw new IllegalArgumentException("path '" + path + "' leaves the repository; give a path relative to its root");
        }
        return p;
    }

    /** File text as ingest decoded it (UTF-8, or Latin-1 for files that are not valid UTF-8); null when unreadable. */
    static String readFileText(Path root, String relativePath) {
        Path f = root.resolve(relativePath).normalize();
        if (!f.startsWith(root.normalize())) return null;
        try {
            byte[] b = Files.readAllBytes(f);
            var dec = StandardCharsets.UTF_8.newDecoder();
            try {
                return dec.decode(java.nio.ByteBuffer.wrap(b)).toString();
            } catch (java.nio.charset.CharacterCodingException e) {
                return new String(b, StandardCharsets.ISO_8859_1);
            }
        } catch (IOException e) {
            return null;
        }
    }
}
