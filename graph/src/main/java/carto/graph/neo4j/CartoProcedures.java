package carto.graph.neo4j;

import org.eclipse.collections.api.map.primitive.MutableIntObjectMap;
import org.eclipse.collections.impl.factory.primitive.IntSets;
import org.eclipse.collections.impl.map.mutable.primitive.IntObjectHashMap;
import org.neo4j.exceptions.KernelException;
import org.neo4j.graphdb.Direction;
import org.neo4j.graphdb.Label;
import org.neo4j.graphdb.Node;
import org.neo4j.graphdb.Relationship;
import org.neo4j.graphdb.RelationshipType;
import org.neo4j.graphdb.ResourceIterator;
import org.neo4j.graphdb.Transaction;
import org.neo4j.internal.kernel.api.TokenWrite;
import org.neo4j.internal.kernel.api.Write;
import org.neo4j.kernel.api.KernelTransaction;
import org.neo4j.kernel.impl.coreapi.InternalTransaction;
import org.neo4j.procedure.Context;
import org.neo4j.procedure.Description;
import org.neo4j.procedure.Mode;
import org.neo4j.procedure.Name;
import org.neo4j.procedure.Procedure;
import org.neo4j.values.storable.Value;
import org.neo4j.values.storable.Values;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Server-side bulk reads and writes for ingest, called through the driver like any Cypher
 * procedure. The writes take the same rows as the Cypher statements of {@link Neo4jCodeGraph}
 * and produce the same nodes and relationships, but write through the kernel API instead of
 * planning and interpreting Cypher per row, which is an order of magnitude faster. AST nodes, the
 * bulk of a write, go through the kernel's write interface with their tokens resolved once per
 * call and all properties applied at once (one index update per node instead of one per
 * property): an internal interface, so the plugin jar is for a server of the Neo4j version Carto
 * embeds. The embedded database registers them; against a server without them Carto writes with
 * plain Cypher.
 *
 * <p>Two procedures, {@code carto.read} and {@code carto.write}, take the operation by name and
 * its arguments as a map, and answer with one map: Neo4j plans each distinct query text once
 * per process, 50-60 ms in a cold one, so a one-file re-ingest from the command line, which
 * needs ten operations, plans two queries instead of ten.
 */
public class CartoProcedures {
    private static final Label REPOSITORY = Label.label("Repository");
    private static final Label FILE = Label.label("File");
    private static final Label AST = Label.label("AstNode");
    private static final Label TEXT = Label.label("TextNode");
    private static final RelationshipType HAS_FILE = RelationshipType.withName("HAS_FILE");
    private static final RelationshipType HAS_AST = RelationshipType.withName("HAS_AST");
    private static final RelationshipType PARENT_OF = RelationshipType.withName("PARENT_OF");
    private static final RelationshipType DEFINES = RelationshipType.withName("DEFINES");
    private static final RelationshipType HAS_TEXT = RelationshipType.withName("HAS_TEXT");
    private static final RelationshipType NEXT_CHUNK = RelationshipType.withName("NEXT_CHUNK");
    private static final RelationshipType IMPORTS = RelationshipType.withName("IMPORTS");
    /** The start byte that addresses an edge's file instead of a definition (SemanticEdge.FILE: this jar has only Neo4j's classes). */
    private static final long FROM_FILE = -1;
    private static final RelationshipType[] SEMANTIC = {RelationshipType.withName("CALLS"), RelationshipType.withName("REFERENCES"),
            RelationshipType.withName("EXTENDS"), RelationshipType.withName("IMPLEMENTS"), RelationshipType.withName("OVERRIDES")};
    /** The semantic edges a file node starts: its imports, and those of its code outside every definition. */
    private static final RelationshipType[] FROM_FILES = java.util.stream.Stream.concat(Stream.of(IMPORTS), Stream.of(SEMANTIC))
            .toArray(RelationshipType[]::new);

    /** The operations of {@code carto.read}. */
    public static final Set<String> READS = Set.of("operations", "storedFiles", "fileShapes", "edgesInto", "definitions", "filesReferencing");
    /** The operations of {@code carto.write}. */
    public static final Set<String> WRITES = Set.of("upsertRepository", "writeFiles", "replaceEdges", "deleteFiles");

    @Context
    public Transaction tx;

    /** What an operation answers. */
    public static class Result {
        public Map<String, Object> result;

        Result(Map<String, Object> result) {
            this.result = result;
        }
    }

    @Procedure(name = "carto.read", mode = Mode.READ)
    @Description("Carto's bulk reads for ingest, by operation: operations {} (the operations of carto.read and carto.write, and the "
            + "names of the indexes and constraints that are online), storedFiles {repo}, fileShapes {repo, paths}, edgesInto {repo, paths}, "
            + "definitions {repo}, filesReferencing {repo, names, paths}.")
    public Stream<Result> read(@Name("operation") String operation, @Name("arguments") Map<String, Object> arguments) {
        Map<String, Object> a = arguments == null ? Map.of() : arguments;
        return Stream.of(new Result(switch (operation) {
            case "operations" -> operations();
            case "storedFiles" -> storedFiles(string(a, "repo"));
            case "fileShapes" -> fileShapes(string(a, "repo"), strings(a, "paths"));
            case "edgesInto" -> edgesInto(string(a, "repo"), strings(a, "paths"));
            case "definitions" -> definitions(string(a, "repo"));
            case "filesReferencing" -> filesReferencing(string(a, "repo"), strings(a, "names"), strings(a, "paths"));
            default -> throw unknown("carto.read", operation, READS);
        }));
    }

    @Procedure(name = "carto.write", mode = Mode.WRITE)
    @Description("Carto's bulk writes for ingest, by operation: upsertRepository {id, name, path, remote, commit}, writeFiles {repo, files}, "
            + "replaceEdges {repo, from, edges, finish}, deleteFiles {repo, paths}.")
    public Stream<Result> write(@Name("operation") String operation, @Name("arguments") Map<String, Object> arguments) {
        Map<String, Object> a = arguments == null ? Map.of() : arguments;
        return Stream.of(new Result(switch (operation) {
            case "upsertRepository" -> upsertRepository(string(a, "id"), string(a, "name"), string(a, "path"), string(a, "remote"), string(a, "commit"));
            case "writeFiles" -> writeFiles(string(a, "repo"), list(a.get("files")));
            case "replaceEdges" -> replaceEdges(string(a, "repo"), strings(a, "from"), list(a.get("edges")), Boolean.TRUE.equals(a.get("finish")));
            case "deleteFiles" -> deleteFiles(string(a, "repo"), strings(a, "paths"));
            default -> throw unknown("carto.write", operation, WRITES);
        }));
    }

    private static IllegalArgumentException unknown(String procedure, String operation, Set<String> known) {
        return new IllegalArgumentException(procedure + " has no operation '" + operation + "' (it has " + new java.util.TreeSet<>(known)
                + "): the server's Carto plugin jar is from another Carto version; install the one this Carto builds (graph/target)");
    }

    private static String string(Map<String, Object> args, String name) {
        Object v = args.get(name);
        if (v == null || v instanceof String) return (String) v;
        throw new IllegalArgumentException("argument '" + name + "' must be a string, not " + v);
    }

    @SuppressWarnings("unchecked")
    private static List<String> strings(Map<String, Object> args, String name) {
        Object v = args.get(name);
        return v == null ? List.of() : (List<String>) v;
    }

    /**
     * The operations this plugin offers, and the indexes and constraints that are ready (none listed when the user may not
     * see the schema: Carto then runs its schema statements, which say what is wrong).
     */
    private Map<String, Object> operations() {
        List<String> schema = new ArrayList<>();
        try {
            for (var index : tx.schema().getIndexes()) {
                if (tx.schema().getIndexState(index) == org.neo4j.graphdb.schema.Schema.IndexState.ONLINE) schema.add(index.getName());
            }
            for (var constraint : tx.schema().getConstraints()) schema.add(constraint.getName());
        } catch (RuntimeException e) {
            schema.clear();
        }
        return Map.of("reads", List.copyOf(READS), "writes", List.copyOf(WRITES), "schema", schema);
    }

    /** Creates File nodes with their AST and text chunks, and the directories above them that are missing (rows as written by Carto's ingest). */
    private Map<String, Object> writeFiles(String repoId, List<Map<String, Object>> files) {
        long[] counts = new long[2];
        Map<String, Node> folders = new HashMap<>();
        KernelTokens k = new KernelTokens(tx);
        Value repoValue = Values.stringValue(repoId);
        for (Map<String, Object> f : files) {
            Node parent = folder(repoId, (String) f.get("parent"), folders, counts);
            long nodes = 0, rels = 0;
            Node file = tx.createNode(FILE);
            setAll(file, map(f.get("props")));
            parent.createRelationshipTo(file, HAS_FILE);
            nodes++;
            rels++;
            Map<String, Object> cols = map(f.get("columns"));
            String path = (String) f.get("path");
            List<?> parentIdx = (List<?>) f.get("parents");
            List<?> type = (List<?>) cols.get("type"), name = (List<?>) cols.get("name"), kind = (List<?>) cols.get("kind"),
                    qn = (List<?>) cols.get("qualifiedName"), sl = (List<?>) cols.get("startLine"), el = (List<?>) cols.get("endLine"),
                    sb = (List<?>) cols.get("startByte"), eb = (List<?>) cols.get("endByte"), err = (List<?>) cols.get("error");
            long fileId = file.getId();
            long[] created = new long[type.size()];
            Value pathValue = Values.stringValue(path);
            try {
                for (int i = 0; i < created.length; i++) {
                    MutableIntObjectMap<Value> props = new IntObjectHashMap<>(12);
                    props.put(k.repoId, repoValue);
                    // only definitions carry their file's path (they are looked up by position); the path, a long
                    // string in a record of its own, on every node cost 9% of Neo4j's work in a bulk ingest
                    if (kind.get(i) != null) props.put(k.path, pathValue);
                    props.put(k.type, Values.stringValue((String) type.get(i)));
                    if (name.get(i) != null) props.put(k.name, Values.stringValue((String) name.get(i)));
                    if (kind.get(i) != null) props.put(k.kind, Values.stringValue((String) kind.get(i)));
                    if (qn.get(i) != null) props.put(k.qualifiedName, Values.stringValue((String) qn.get(i)));
                    props.put(k.startLine, Values.longValue(((Number) sl.get(i)).longValue()));
                    props.put(k.endLine, Values.longValue(((Number) el.get(i)).longValue()));
                    props.put(k.startByte, Values.longValue(((Number) sb.get(i)).longValue()));
                    props.put(k.endByte, Values.longValue(((Number) eb.get(i)).longValue()));
                    if (Boolean.TRUE.equals(err.get(i))) props.put(k.error, Values.booleanValue(true));
                    long n = k.write.nodeCreateWithLabels(k.astLabels);
                    k.write.nodeApplyChanges(n, IntSets.immutable.empty(), IntSets.immutable.empty(), props);
                    created[i] = n;
                    nodes++;
                    int pi = ((Number) parentIdx.get(i)).intValue();
                    if (pi < 0) k.write.relationshipCreate(fileId, k.hasAst, n);
                    else k.write.relationshipCreate(created[pi], k.parentOf, n);
                    rels++;
                    if (kind.get(i) != null) {
                        k.write.relationshipCreate(fileId, k.defines, n);
                        rels++;
                    }
                }
            } catch (KernelException e) {
                throw new IllegalStateException("writing the syntax tree of " + path + ": " + e.getMessage(), e);
            }
            Node previous = null;
            for (Map<String, Object> t : list(f.get("text"))) {
                Node c = tx.createNode(TEXT);
                setAll(c, t);
                file.createRelationshipTo(c, HAS_TEXT);
                nodes++;
                rels++;
                if (previous != null) {
                    previous.createRelationshipTo(c, NEXT_CHUNK);
                    rels++;
                }
                previous = c;
            }
            counts[0] += nodes;
            counts[1] += rels;
        }
        return Map.of("nodes", counts[0], "relationships", counts[1]);
    }

    /**
     * The node of a folder (the repository for the root), created with its missing ancestors the
     * way the Cypher path MERGEs them: a directory {@code File} under its parent through {@code HAS_FILE}.
     */
    private Node folder(String repoId, String path, Map<String, Node> known, long[] counts) {
        Node n = known.get(path);
        if (n != null) return n;
        if (path.isEmpty()) {
            n = repository(repoId);
            if (n == null) throw new IllegalArgumentException("repository " + repoId + " is missing; record it before writing its files");
        } else {
            n = fileNode(repoId, path);
            if (n == null) {
                int slash = path.lastIndexOf('/');
                Node parent = folder(repoId, slash < 0 ? "" : path.substring(0, slash), known, counts);
                n = tx.createNode(FILE);
                n.setProperty("repoId", repoId);
                n.setProperty("relativePath", path);
                n.setProperty("basename", path.substring(slash + 1));
                n.setProperty("kind", "directory");
                parent.createRelationshipTo(n, HAS_FILE);
                counts[0]++;
                counts[1]++;
            }
        }
        known.put(path, n);
        return n;
    }

    /**
     * Replaces the semantic edges (CALLS, REFERENCES, EXTENDS, IMPLEMENTS, OVERRIDES, IMPORTS) that start in the given files
     * with the given ones between definitions (or files, for IMPORTS) addressed by path and start byte (-1: the file itself,
     * for code outside every definition): edges given again stay, the others are deleted, new ones are created. {@code finish}:
     * the ingest's last write, which records it as finished (see {@link #upsertRepository}) in the same transaction.
     */
    private Map<String, Object> replaceEdges(String repoId, List<String> fromPaths, List<Map<String, Object>> edges, boolean finish) {
        // the edges these files have now; an edge that is given again stays as it is, so re-resolving the
        // files that depend on a changed one rewrites only what changed (redis, acl.c: 9 files, ~0.3 s less)
        Map<EdgeKey, List<Relationship>> existing = new HashMap<>();
        for (String p : fromPaths) {
            Node f = fileNode(repoId, p);
            if (f == null) continue;
            // semantic edges start at definitions, which their file reaches through DEFINES
            for (var d : f.getRelationships(Direction.OUTGOING, DEFINES)) {
                for (var r : d.getEndNode().getRelationships(Direction.OUTGOING, SEMANTIC)) {
                    existing.computeIfAbsent(EdgeKey.of(r), k -> new ArrayList<>(1)).add(r);
                }
            }
            for (var r : f.getRelationships(Direction.OUTGOING, FROM_FILES)) {
                existing.computeIfAbsent(EdgeKey.of(r), k -> new ArrayList<>(1)).add(r);
            }
        }
        Map<String, Map<Long, Node>> definitions = new HashMap<>(), files = new HashMap<>();
        long created = 0, kept = 0, deleted = 0;
        for (Map<String, Object> e : edges) {
            String type = (String) e.get("type");
            boolean betweenFiles = type.equals("IMPORTS");
            long fs = ((Number) e.get("fs")).longValue();
            boolean fromFile = betweenFiles || fs == FROM_FILE;
            Node a = lookup(repoId, fromFile, (String) e.get("fp"), fs, fromFile ? files : definitions);
            Node b = lookup(repoId, betweenFiles, (String) e.get("tp"), ((Number) e.get("ts")).longValue(), betweenFiles ? files : definitions);
            if (a == null || b == null) continue;
            String resolution = (String) e.get("res");
            long line = ((Number) e.get("line")).longValue();
            List<Relationship> same = existing.get(new EdgeKey(a.getElementId(), b.getElementId(), type, resolution, line));
            if (same != null && !same.isEmpty()) {
                same.remove(same.size() - 1);
                kept++;
                continue;
            }
            var r = a.createRelationshipTo(b, RelationshipType.withName(type));
            r.setProperty("resolution", resolution);
            r.setProperty("line", line);
            created++;
        }
        for (List<Relationship> stale : existing.values()) {
            for (Relationship r : stale) {
                r.delete();
                deleted++;
            }
        }
        if (finish) {
            Node r = repository(repoId);
            if (r != null) r.setProperty("ingestFinished", true);
        }
        return Map.of("relationships", created + kept, "deleted", deleted);
    }

    /** Creates or updates a Repository node (id, name, path, remote URL, commit, ingestedAt), its ingest unfinished. */
    private Map<String, Object> upsertRepository(String id, String name, String path, String remote, String commit) {
        Node r = repository(id);
        boolean created = r == null;
        if (created) {
            r = tx.createNode(REPOSITORY);
            r.setProperty("id", id);
        }
        r.setProperty("name", name);
        r.setProperty("path", path);
        r.setProperty("remoteUrl", remote);
        r.setProperty("commit", commit);
        r.setProperty("ingestFinished", false); // until the ingest's last replaceEdges
        r.setProperty("ingestedAt", java.time.ZonedDateTime.now());
        return Map.of("created", created);
    }

    /**
     * What a re-ingest compares with: whether the last ingest finished (true also when there is no such repository, or a
     * Carto that did not record it wrote it), and every file's (not directory's) relativePath and contentHash as parallel
     * lists (a Bolt record per file cost about 15 us each: 30,000 files, 0.47 s of a one-file re-ingest).
     */
    private Map<String, Object> storedFiles(String repoId) {
        Node r = repository(repoId);
        List<String> paths = new ArrayList<>(), hashes = new ArrayList<>();
        for (Node f : files(repoId)) {
            paths.add((String) f.getProperty("relativePath"));
            hashes.add((String) f.getProperty("contentHash", ""));
        }
        Map<String, Object> out = new HashMap<>(Map.of("finished", r == null || !Boolean.FALSE.equals(r.getProperty("ingestFinished", null)),
                "paths", paths, "hashes", hashes));
        if (r != null && r.getProperty("path", null) instanceof String path) out.put("path", path);
        return out;
    }

    /** relativePath, shapeHash and shapeParts of the given files of a repository that have a shape, as parallel lists. */
    private Map<String, Object> fileShapes(String repoId, List<String> paths) {
        List<String> found = new ArrayList<>(), shapes = new ArrayList<>();
        List<List<String>> parts = new ArrayList<>();
        for (String p : paths) {
            Node f = fileNode(repoId, p);
            if (f != null && f.getProperty("shapeHash", null) instanceof String shape) {
                found.add(p);
                shapes.add(shape);
                parts.add(f.getProperty("shapeParts", null) instanceof String[] a ? List.of(a) : List.of());
            }
        }
        return Map.of("paths", found, "shapes", shapes, "parts", parts);
    }

    /**
     * Semantic edges addressed as Carto writes them, as parallel columns: type, line, resolution, and the path and start
     * byte of each end (0 for a file an IMPORTS joins, -1 for a file referring from outside its definitions).
     */
    private static final class EdgeColumns {
        final List<String> fromPath = new ArrayList<>(), type = new ArrayList<>(), toPath = new ArrayList<>(), resolution = new ArrayList<>();
        final List<Long> fromStart = new ArrayList<>(), toStart = new ArrayList<>(), line = new ArrayList<>();

        void add(Relationship r, String from, long fromByte, String to, long toByte) {
            fromPath.add(from);
            fromStart.add(fromByte);
            type.add(r.getType().name());
            toPath.add(to);
            toStart.add(toByte);
            line.add(((Number) r.getProperty("line", 0L)).longValue());
            resolution.add((String) r.getProperty("resolution", "heuristic"));
        }

        Map<String, Object> map() {
            return Map.of("fromPath", fromPath, "fromStart", fromStart, "type", type, "toPath", toPath, "toStart", toStart, "line", line,
                    "resolution", resolution);
        }
    }

    /** Semantic edges (CALLS, REFERENCES, EXTENDS, IMPLEMENTS, OVERRIDES, IMPORTS) that end in the given files and start in other files. */
    private Map<String, Object> edgesInto(String repoId, List<String> paths) {
        Set<String> within = new HashSet<>(paths);
        EdgeColumns out = new EdgeColumns();
        for (String p : paths) {
            Node f = fileNode(repoId, p);
            if (f == null) continue;
            for (var d : f.getRelationships(Direction.OUTGOING, DEFINES)) {
                Node b = d.getEndNode();
                long to = ((Number) b.getProperty("startByte")).longValue();
                for (var r : b.getRelationships(Direction.INCOMING, SEMANTIC)) {
                    Node a = r.getStartNode();
                    boolean file = a.hasLabel(FILE); // code outside every definition of that file
                    String from = (String) a.getProperty(file ? "relativePath" : "path", null);
                    if (from == null || within.contains(from)) continue;
                    out.add(r, from, file ? FROM_FILE : ((Number) a.getProperty("startByte")).longValue(), p, to);
                }
            }
            for (var r : f.getRelationships(Direction.INCOMING, IMPORTS)) {
                String from = (String) r.getStartNode().getProperty("relativePath", null);
                if (from == null || within.contains(from)) continue;
                out.add(r, from, 0, p, 0);
            }
        }
        return out.map();
    }

    /**
     * A repository's definitions as parallel columns: one Bolt record instead of one per
     * definition, which a re-ingest waits for.
     */
    private static final class Definitions {
        final List<String> path = new ArrayList<>();
        final List<String> name = new ArrayList<>();
        final List<String> kind = new ArrayList<>();
        final List<String> qualifiedName = new ArrayList<>();
        final List<Long> startByte = new ArrayList<>();
        final List<Long> endByte = new ArrayList<>();
        final List<Long> startLine = new ArrayList<>();
        final List<Long> endLine = new ArrayList<>();

        void add(Node n) {
            path.add((String) n.getProperty("path"));
            name.add((String) n.getProperty("name", null));
            kind.add((String) n.getProperty("kind"));
            qualifiedName.add((String) n.getProperty("qualifiedName", null));
            startByte.add(((Number) n.getProperty("startByte")).longValue());
            endByte.add(((Number) n.getProperty("endByte")).longValue());
            startLine.add(((Number) n.getProperty("startLine")).longValue());
            endLine.add(((Number) n.getProperty("endLine")).longValue());
        }

        /** The columns by name (a definition without a name or qualified name has null in that list). */
        Map<String, Object> map() {
            return Map.of("path", path, "name", name, "kind", kind, "qualifiedName", qualifiedName, "startByte", startByte, "endByte", endByte,
                    "startLine", startLine, "endLine", endLine);
        }
    }

    /** Every definition (AstNode with a kind) of a repository, found through its files' DEFINES relationships, as columns. */
    private Map<String, Object> definitions(String repoId) {
        Definitions out = new Definitions();
        for (Node f : files(repoId)) {
            for (var r : f.getRelationships(Direction.OUTGOING, DEFINES)) out.add(r.getEndNode());
        }
        return out.map();
    }

    /** The paths of the files of a repository that use any of the names (their refNames) or import any of the paths. */
    private Map<String, Object> filesReferencing(String repoId, List<String> names, List<String> paths) {
        Set<String> wanted = new HashSet<>(names);
        Set<String> out = new LinkedHashSet<>();
        for (Node f : files(repoId)) {
            if (f.getProperty("refNames", null) instanceof String[] refs) {
                for (String n : refs) {
                    if (wanted.contains(n)) {
                        out.add((String) f.getProperty("relativePath"));
                        break;
                    }
                }
            }
        }
        for (String p : paths) {
            Node target = fileNode(repoId, p);
            if (target == null) continue;
            for (var r : target.getRelationships(Direction.INCOMING, IMPORTS)) out.add((String) r.getStartNode().getProperty("relativePath"));
        }
        return Map.of("paths", List.copyOf(out));
    }

    /** Deletes files with their AST, text chunks and every relationship touching them, then the directories left empty. */
    private Map<String, Object> deleteFiles(String repoId, List<String> paths) {
        long nodes = 0;
        Set<Node> folders = new HashSet<>();
        for (String p : paths) {
            Node f = fileNode(repoId, p);
            if (f == null) continue;
            // the file's AST (reached from its root through PARENT_OF) and its text chunks
            java.util.Deque<Node> doomed = new java.util.ArrayDeque<>();
            for (var r : f.getRelationships(Direction.OUTGOING, HAS_AST, HAS_TEXT)) doomed.push(r.getEndNode());
            while (!doomed.isEmpty()) {
                Node n = doomed.pop();
                for (var r : n.getRelationships(Direction.OUTGOING, PARENT_OF)) doomed.push(r.getEndNode());
                detachDelete(n);
                nodes++;
            }
            for (var r : f.getRelationships(Direction.INCOMING, HAS_FILE)) folders.add(r.getStartNode());
            detachDelete(f);
            nodes++;
        }
        // directories left empty go too, innermost first
        java.util.Deque<Node> check = new java.util.ArrayDeque<>(folders);
        // a folder can come up again after it went (a file of it and a subfolder's were deleted together)
        Set<Node> gone = new HashSet<>();
        while (!check.isEmpty()) {
            Node d = check.pop();
            if (gone.contains(d) || !d.hasLabel(FILE) || !"directory".equals(d.getProperty("kind", null)) || d.hasRelationship(Direction.OUTGOING, HAS_FILE)) continue;
            for (var r : d.getRelationships(Direction.INCOMING, HAS_FILE)) check.push(r.getStartNode());
            detachDelete(d);
            gone.add(d);
            nodes++;
        }
        return Map.of("nodes", nodes);
    }

    private static void detachDelete(Node n) {
        for (var r : n.getRelationships()) r.delete();
        n.delete();
    }

    /** The Repository node of an id, or null. */
    private Node repository(String id) {
        return single(tx.findNodes(REPOSITORY, "id", id));
    }

    /** The File node (file or directory) at a path of a repository, or null. */
    private Node fileNode(String repoId, String path) {
        return single(tx.findNodes(FILE, "repoId", repoId, "relativePath", path));
    }

    /** The file nodes (not directories) of a repository. */
    private List<Node> files(String repoId) {
        List<Node> out = new ArrayList<>();
        try (ResourceIterator<Node> it = tx.findNodes(FILE, "repoId", repoId)) {
            while (it.hasNext()) {
                Node f = it.next();
                if ("file".equals(f.getProperty("kind", null))) out.add(f);
            }
        }
        return out;
    }

    /** The definition node starting at a byte of a file (or the file node itself), looked up once per file. */
    private Node lookup(String repoId, boolean file, String path, long startByte, Map<String, Map<Long, Node>> cache) {
        Map<Long, Node> nodes = cache.computeIfAbsent(path, p -> {
            Map<Long, Node> m = new HashMap<>();
            Node f = fileNode(repoId, p);
            if (f == null) return m;
            if (file) {
                m.put(0L, f);
            } else {
                for (var d : f.getRelationships(Direction.OUTGOING, DEFINES)) {
                    Node n = d.getEndNode();
                    m.put(((Number) n.getProperty("startByte")).longValue(), n);
                }
            }
            return m;
        });
        return nodes.get(file ? 0L : startByte);
    }

    private static Node single(ResourceIterator<Node> it) {
        try (it) {
            return it.hasNext() ? it.next() : null;
        }
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object o) {
        return (Map<String, Object>) o;
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> list(Object o) {
        return o == null ? List.of() : (List<Map<String, Object>>) o;
    }

    /** What tells one semantic edge from another: its ends, type and properties. */
    private record EdgeKey(String from, String to, String type, String resolution, long line) {
        static EdgeKey of(Relationship r) {
            Object line = r.getProperty("line", null);
            return new EdgeKey(r.getStartNode().getElementId(), r.getEndNode().getElementId(), r.getType().name(),
                    (String) r.getProperty("resolution", null), line instanceof Number n ? n.longValue() : -1);
        }
    }

    /** The kernel's write interface with the tokens of AST nodes resolved once per call instead of by name per property. */
    private static final class KernelTokens {
        final Write write;
        final int[] astLabels;
        final int repoId, path, type, name, kind, qualifiedName, startLine, endLine, startByte, endByte, error;
        final int hasAst, parentOf, defines;

        KernelTokens(Transaction tx) {
            KernelTransaction ktx = ((InternalTransaction) tx).kernelTransaction();
            TokenWrite t = ktx.tokenWrite();
            try {
                write = ktx.dataWrite();
                astLabels = new int[]{t.labelGetOrCreateForName(AST.name())};
                repoId = t.propertyKeyGetOrCreateForName("repoId");
                path = t.propertyKeyGetOrCreateForName("path");
                type = t.propertyKeyGetOrCreateForName("type");
                name = t.propertyKeyGetOrCreateForName("name");
                kind = t.propertyKeyGetOrCreateForName("kind");
                qualifiedName = t.propertyKeyGetOrCreateForName("qualifiedName");
                startLine = t.propertyKeyGetOrCreateForName("startLine");
                endLine = t.propertyKeyGetOrCreateForName("endLine");
                startByte = t.propertyKeyGetOrCreateForName("startByte");
                endByte = t.propertyKeyGetOrCreateForName("endByte");
                error = t.propertyKeyGetOrCreateForName("error");
                hasAst = t.relationshipTypeGetOrCreateForName(HAS_AST.name());
                parentOf = t.relationshipTypeGetOrCreateForName(PARENT_OF.name());
                defines = t.relationshipTypeGetOrCreateForName(DEFINES.name());
            } catch (KernelException e) {
                throw new IllegalStateException("Neo4j refused Carto's labels and property names: " + e.getMessage(), e);
            }
        }
    }

    private static void setAll(Node n, Map<String, Object> props) {
        for (var e : props.entrySet()) {
            Object v = e.getValue();
            if (v == null) continue;
            if (v instanceof List<?> l) v = l.stream().map(String::valueOf).toArray(String[]::new);
            n.setProperty(e.getKey(), v);
        }
    }
}
