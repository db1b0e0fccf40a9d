package carto.graph.neo4j;

import org.neo4j.graphdb.Label;
import org.neo4j.graphdb.Node;
import org.neo4j.graphdb.RelationshipType;
import org.neo4j.graphdb.ResourceIterator;
import org.neo4j.graphdb.Transaction;
import org.neo4j.procedure.Context;
import org.neo4j.procedure.Description;
import org.neo4j.procedure.Mode;
import org.neo4j.procedure.Name;
import org.neo4j.procedure.Procedure;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Server-side bulk writes for ingest, called through the driver like any Cypher procedure.
 * They take the same rows as the Cypher statements of {@link Neo4jCodeGraph} and produce the
 * same nodes and relationships, but write through the kernel API instead of planning and
 * interpreting Cypher per row, which is an order of magnitude faster. The embedded database
 * registers them; against a server without them Carto writes with plain Cypher.
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
    private static final RelationshipType[] SEMANTIC = {RelationshipType.withName("CALLS"), RelationshipType.withName("REFERENCES"),
            RelationshipType.withName("EXTENDS"), RelationshipType.withName("IMPLEMENTS"), RelationshipType.withName("OVERRIDES")};

    @Context
    public Transaction tx;

    /** Nodes and relationships a call created. */
    public static class Counts {
        public long nodes;
        public long relationships;

        public Counts(long nodes, long relationships) {
            this.nodes = nodes;
            this.relationships = relationships;
        }
    }

    @Procedure(name = "carto.writeFiles", mode = Mode.WRITE)
    @Description("Creates File nodes with their AST and text chunks (rows as written by Carto's ingest).")
    public Stream<Counts> writeFiles(@Name("repoId") String repoId, @Name("files") List<Map<String, Object>> files) {
        long nodes = 0, rels = 0;
        Map<String, Node> parents = new HashMap<>();
        for (Map<String, Object> f : files) {
            String parentPath = (String) f.get("parent");
            Node parent = parents.computeIfAbsent(parentPath, p -> p.isEmpty() ? single(tx.findNodes(REPOSITORY, "id", repoId))
                    : single(tx.findNodes(FILE, "repoId", repoId, "relativePath", p)));
            if (parent == null) throw new IllegalArgumentException("parent '" + parentPath + "' of a file is missing in repository " + repoId);
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
            Node[] created = new Node[type.size()];
            for (int i = 0; i < created.length; i++) {
                Node n = tx.createNode(AST);
                n.setProperty("repoId", repoId);
                n.setProperty("path", path);
                n.setProperty("type", type.get(i));
                if (name.get(i) != null) n.setProperty("name", name.get(i));
                if (kind.get(i) != null) n.setProperty("kind", kind.get(i));
                if (qn.get(i) != null) n.setProperty("qualifiedName", qn.get(i));
                n.setProperty("startLine", sl.get(i));
                n.setProperty("endLine", el.get(i));
                n.setProperty("startByte", sb.get(i));
                n.setProperty("endByte", eb.get(i));
                if (Boolean.TRUE.equals(err.get(i))) n.setProperty("error", true);
                created[i] = n;
                nodes++;
                int pi = ((Number) parentIdx.get(i)).intValue();
                if (pi < 0) file.createRelationshipTo(n, HAS_AST);
                else created[pi].createRelationshipTo(n, PARENT_OF);
                rels++;
                if (kind.get(i) != null) {
                    file.createRelationshipTo(n, DEFINES);
                    rels++;
                }
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
        }
        return Stream.of(new Counts(nodes, rels));
    }

    @Procedure(name = "carto.writeEdges", mode = Mode.WRITE)
    @Description("Creates semantic edges of one type between definitions (or files, for IMPORTS) addressed by path and start byte.")
    public Stream<Counts> writeEdges(@Name("repoId") String repoId, @Name("type") String type, @Name("rows") List<Map<String, Object>> rows) {
        RelationshipType rel = RelationshipType.withName(type);
        boolean files = type.equals("IMPORTS");
        Map<String, Map<Long, Node>> byPath = new HashMap<>();
        long created = 0;
        for (Map<String, Object> e : rows) {
            Node a = lookup(repoId, files, (String) e.get("fp"), ((Number) e.get("fs")).longValue(), byPath);
            Node b = lookup(repoId, files, (String) e.get("tp"), ((Number) e.get("ts")).longValue(), byPath);
            if (a == null || b == null) continue;
            var r = a.createRelationshipTo(b, rel);
            r.setProperty("resolution", e.get("res"));
            r.setProperty("line", ((Number) e.get("line")).longValue());
            created++;
        }
        return Stream.of(new Counts(0, created));
    }

    @Procedure(name = "carto.deleteEdgesFrom", mode = Mode.WRITE)
    @Description("Deletes the semantic edges (CALLS, REFERENCES, EXTENDS, IMPLEMENTS, OVERRIDES, IMPORTS) that start in the given files.")
    public Stream<Counts> deleteEdgesFrom(@Name("repoId") String repoId, @Name("paths") List<String> paths) {
        long deleted = 0;
        for (String p : paths) {
            try (ResourceIterator<Node> it = tx.findNodes(AST, "repoId", repoId, "path", p)) {
                while (it.hasNext()) {
                    for (var r : it.next().getRelationships(org.neo4j.graphdb.Direction.OUTGOING, SEMANTIC)) {
                        r.delete();
                        deleted++;
                    }
                }
            }
            Node f = single(tx.findNodes(FILE, "repoId", repoId, "relativePath", p));
            if (f != null) {
                for (var r : f.getRelationships(org.neo4j.graphdb.Direction.OUTGOING, IMPORTS)) {
                    r.delete();
                    deleted++;
                }
            }
        }
        return Stream.of(new Counts(0, deleted));
    }

    /** The definition node starting at a byte of a file (or the file node itself), looked up once per file. */
    private Node lookup(String repoId, boolean file, String path, long startByte, Map<String, Map<Long, Node>> cache) {
        Map<Long, Node> nodes = cache.computeIfAbsent(path, p -> {
            Map<Long, Node> m = new HashMap<>();
            if (file) {
                Node f = single(tx.findNodes(FILE, "repoId", repoId, "relativePath", p));
                if (f != null) m.put(0L, f);
            } else {
                try (ResourceIterator<Node> it = tx.findNodes(AST, "repoId", repoId, "path", p)) {
                    while (it.hasNext()) {
                        Node n = it.next();
                        if (n.hasProperty("kind")) m.put(((Number) n.getProperty("startByte")).longValue(), n);
                    }
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

    private static void setAll(Node n, Map<String, Object> props) {
        for (var e : props.entrySet()) {
            Object v = e.getValue();
            if (v == null) continue;
            if (v instanceof List<?> l) v = l.stream().map(String::valueOf).toArray(String[]::new);
            n.setProperty(e.getKey(), v);
        }
    }
}
