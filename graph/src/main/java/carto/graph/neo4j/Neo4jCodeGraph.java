package carto.graph.neo4j;

import carto.graph.CodeGraph;
import carto.graph.FileGraph;
import carto.graph.GraphException;
import carto.graph.RepositoryInfo;
import carto.graph.SemanticEdge;
import org.neo4j.driver.AuthToken;
import org.neo4j.driver.AuthTokens;
import org.neo4j.driver.Config;
import org.neo4j.driver.Driver;
import org.neo4j.driver.GraphDatabase;
import org.neo4j.driver.Query;
import org.neo4j.driver.Record;
import org.neo4j.driver.Session;
import org.neo4j.driver.SessionConfig;
import org.neo4j.driver.Value;
import org.neo4j.driver.exceptions.AuthenticationException;
import org.neo4j.driver.exceptions.Neo4jException;
import org.neo4j.driver.exceptions.ServiceUnavailableException;

import java.net.URI;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;

/**
 * {@link CodeGraph} over the Neo4j Java driver: the same code writes to the embedded database
 * and to a Neo4j server or cluster. Writes go in batches through {@code UNWIND}, creating a
 * file's AST and its edges in one statement without index lookups.
 */
public final class Neo4jCodeGraph implements CodeGraph {
    /** Rows per write transaction. */
    private static final int BATCH_AST_NODES = 20_000;

    private final Driver driver;
    private final URI uri;
    private final String database;
    /** Whether the server has Carto's bulk procedures (the embedded one does); otherwise plain Cypher. */
    private final boolean bulk;
    /** The indexes and constraints online at connection (known only with the procedures): the schema needs no statements when all are. */
    private final Set<String> schemaOnline;

    private Neo4jCodeGraph(Driver driver, URI uri, String database) {
        this.driver = driver;
        this.uri = uri;
        this.database = database;
        Map<String, Object> offered = Boolean.getBoolean("carto.graph.cypherOnly") ? null : operations();
        // every operation of this Carto's procedures, or plain Cypher
        this.bulk = offered != null && strings(offered.get("reads")).containsAll(CartoProcedures.READS)
                && strings(offered.get("writes")).containsAll(CartoProcedures.WRITES);
        this.schemaOnline = bulk ? Set.copyOf(strings(offered.get("schema"))) : Set.of();
    }

    /**
     * Every operation goes through one of two query texts, so a process plans two queries for all of them (50-60 ms each in
     * a cold one: a one-file re-ingest from the command line planned ten, 0.4-0.5 s of its 1.05 s).
     */
    private static final String READ_CALL = "CALL carto.read($operation, $arguments) YIELD result RETURN result";
    private static final String WRITE_CALL = "CALL carto.write($operation, $arguments) YIELD result RETURN result";

    /**
     * What the server's Carto procedures offer (as {@code carto.read}'s "operations" answers), or null when it has none. A
     * server whose plugin jar lacks an operation (one from an older Carto) gets plain Cypher for everything rather than a
     * failing call. This is the connection's first query, which pays for Neo4j's Cypher being cold in any case.
     */
    private Map<String, Object> operations() {
        try (Session s = session()) {
            return call(s, false, "operations", Map.of());
        } catch (RuntimeException e) {
            return null;
        }
    }

    /** One operation of {@code carto.write} ({@code write}) or {@code carto.read}, in a session or a transaction. */
    private static Map<String, Object> call(org.neo4j.driver.SimpleQueryRunner runner, boolean write, String operation, Map<String, Object> arguments) {
        return runner.run(write ? WRITE_CALL : READ_CALL, Map.of("operation", operation, "arguments", arguments)).single().get("result").asMap();
    }

    private static List<String> strings(Object list) {
        List<String> out = new ArrayList<>();
        if (list instanceof List<?> l) for (Object o : l) out.add((String) o);
        return out;
    }

    private static long count(Map<String, Object> result, String key) {
        return ((Number) result.get(key)).longValue();
    }

    /** True when writes go through the server-side procedures rather than Cypher statements. */
    public boolean bulkWrites() {
        return bulk;
    }

    /** Connects and checks the connection; {@code user} null means no authentication (the embedded default). */
    public static Neo4jCodeGraph connect(URI uri, String user, String password, String database) {
        AuthToken auth = user == null ? AuthTokens.none() : AuthTokens.basic(user, password == null ? "" : password);
        Config config = Config.builder()
                .withConnectionTimeout(10, TimeUnit.SECONDS)
                .withMaxTransactionRetryTime(15, TimeUnit.SECONDS)
                .withLogging(org.neo4j.driver.Logging.javaUtilLogging(Level.WARNING))
                .build();
        Driver driver = GraphDatabase.driver(uri, auth, config);
        try {
            driver.verifyConnectivity();
        } catch (AuthenticationException e) {
            driver.close();
            throw new GraphException("Neo4j at " + uri + " rejected the credentials; check --neo4j-user / --neo4j-password (or NEO4J_USER / NEO4J_PASSWORD)", e);
        } catch (ServiceUnavailableException e) {
            driver.close();
            throw new GraphException("cannot reach Neo4j at " + uri + " (" + e.getMessage() + "); is the server running? "
                    + "Leave out --neo4j to use the embedded database", e);
        } catch (RuntimeException e) {
            driver.close();
            throw new GraphException("cannot connect to Neo4j at " + uri + ": " + e.getMessage(), e);
        }
        return new Neo4jCodeGraph(driver, uri, database);
    }

    public Driver driver() {
        return driver;
    }

    public String database() {
        return database;
    }

    public Session session() {
        return driver.session(database == null ? SessionConfig.defaultConfig() : SessionConfig.forDatabase(database));
    }

    /** Runs one write transaction with retries, translating driver errors. */
    public <T> T write(String what, java.util.function.Function<org.neo4j.driver.TransactionContext, T> work) {
        try (Session s = session()) {
            return s.executeWrite(work::apply);
        } catch (ServiceUnavailableException e) {
            throw new GraphException("Neo4j at " + uri + " became unreachable while " + what + "; nothing of this step was written. Restart it and run again", e);
        } catch (Neo4jException e) {
            throw new GraphException("Neo4j refused " + what + ": " + e.getMessage(), e);
        }
    }

    public <T> T read(String what, java.util.function.Function<org.neo4j.driver.TransactionContext, T> work) {
        try (Session s = session()) {
            return s.executeRead(work::apply);
        } catch (ServiceUnavailableException e) {
            throw new GraphException("Neo4j at " + uri + " is unreachable (" + what + "); is it running?", e);
        } catch (Neo4jException e) {
            throw new GraphException("Neo4j refused " + what + ": " + e.getMessage(), e);
        }
    }

    /** The names of the indexes and constraints of {@link #initSchema}. */
    static final Set<String> SCHEMA = Set.of("repository_id", "file_path", "file_basename", "ast_definition", "ast_name", "text_path");

    @Override
    public void initSchema() {
        // each statement is a query to plan (about 50 ms in a cold process): none when every index is there already
        if (schemaOnline.containsAll(SCHEMA) && !schemaOnline.contains("ast_path") && !schemaOnline.contains("ast_file")) return;
        List<String> statements = List.of(
                "CREATE CONSTRAINT repository_id IF NOT EXISTS FOR (r:Repository) REQUIRE r.id IS UNIQUE",
                "CREATE INDEX file_path IF NOT EXISTS FOR (f:File) ON (f.repoId, f.relativePath)",
                "CREATE INDEX file_basename IF NOT EXISTS FOR (f:File) ON (f.repoId, f.basename)",
                // definitions by position, and a file's definitions: only nodes with every property are in a
                // composite index, so the kind (which only definitions have) keeps the rest of the AST out of it.
                // Indexing every AST node (ast_path, before) cost 15% of a bulk ingest; a file's other nodes are
                // reached from its File node through HAS_AST and PARENT_OF
                "CREATE INDEX ast_definition IF NOT EXISTS FOR (n:AstNode) ON (n.repoId, n.path, n.startByte, n.kind)",
                "DROP INDEX ast_path IF EXISTS",
                "DROP INDEX ast_file IF EXISTS",
                "CREATE INDEX ast_name IF NOT EXISTS FOR (n:AstNode) ON (n.repoId, n.name)",
                "CREATE INDEX text_path IF NOT EXISTS FOR (t:TextNode) ON (t.repoId, t.path)");
        try (Session s = session()) {
            for (String st : statements) s.run(st).consume();
            s.run("CALL db.awaitIndexes(60)").consume();
        } catch (ServiceUnavailableException e) {
            throw new GraphException("cannot reach Neo4j at " + uri + " to create its indexes; is it running?", e);
        } catch (Neo4jException e) {
            throw new GraphException("Neo4j refused to create Carto's indexes: " + e.getMessage(), e);
        }
    }

    @Override
    public void upsertRepository(String id, String name, String path, String remoteUrl, String commit) {
        Map<String, Object> params = Map.of("id", id, "name", name, "path", path, "remote", remoteUrl == null ? "" : remoteUrl,
                "commit", commit == null ? "" : commit);
        if (bulk) {
            write("recording repository " + id, tx -> call(tx, true, "upsertRepository", params));
            return;
        }
        write("recording repository " + id, tx -> tx.run("""
                MERGE (r:Repository {id: $id})
                SET r.name = $name, r.path = $path, r.remoteUrl = $remote, r.commit = $commit, r.ingestedAt = datetime(),
                    r.ingestFinished = false
                """, params).consume());
    }

    /** An ingest records this with its last edges ({@link #replaceSemanticEdges(String, Collection, List, boolean)}). */
    @Override
    public void finishIngest(String repoId) {
        write("recording the finished ingest of " + repoId, tx -> tx.run("MATCH (r:Repository {id: $id}) SET r.ingestFinished = true",
                Map.of("id", repoId)).consume());
    }

    /** A re-ingest reads this with the file hashes ({@link #storedFiles}). */
    @Override
    public boolean lastIngestFinished(String repoId) {
        return read("reading whether the last ingest of " + repoId + " finished", tx -> tx.run(
                "MATCH (r:Repository {id: $id}) RETURN r.ingestFinished AS f", Map.of("id", repoId)).stream().allMatch(r -> r.get("f").asBoolean(true)));
    }

    @Override
    public Optional<RepositoryInfo> repository(String id) {
        return read("reading repository " + id, tx -> tx.run("""
                MATCH (r:Repository {id: $id})
                RETURN r, COUNT { MATCH (f:File {repoId: $id}) WHERE f.kind = 'file' } AS files,
                       COUNT { MATCH (:File {repoId: $id})-[:HAS_AST]->(:AstNode)-[:PARENT_OF*0..]->(n) } AS ast
                """, Map.of("id", id)).stream().map(Neo4jCodeGraph::repoInfo).findFirst());
    }

    @Override
    public List<RepositoryInfo> repositories() {
        return read("listing repositories", tx -> tx.run("""
                MATCH (r:Repository)
                RETURN r, COUNT { MATCH (f:File {repoId: r.id}) WHERE f.kind = 'file' } AS files,
                       COUNT { MATCH (:File {repoId: r.id})-[:HAS_AST]->(:AstNode)-[:PARENT_OF*0..]->(n) } AS ast
                ORDER BY r.name, r.id
                """).stream().map(Neo4jCodeGraph::repoInfo).toList());
    }

    private static RepositoryInfo repoInfo(Record rec) {
        Value r = rec.get("r");
        Value at = r.get("ingestedAt");
        Instant when = at.isNull() ? null : at.asZonedDateTime(ZonedDateTime.now()).toInstant();
        return new RepositoryInfo(r.get("id").asString(), r.get("name").asString(""), r.get("path").asString(""),
                emptyToNull(r.get("remoteUrl").asString("")), emptyToNull(r.get("commit").asString("")), when,
                rec.get("files").asLong(), rec.get("ast").asLong(), r.get("ingestFinished").asBoolean(true));
    }

    private static String emptyToNull(String s) {
        return s == null || s.isEmpty() ? null : s;
    }

    @Override
    public void deleteRepository(String id) {
        for (String label : List.of("Summary", "AstNode", "TextNode", "File")) {
            long deleted;
            do {
                deleted = write("deleting repository " + id, tx -> tx.run(
                        "MATCH (n:" + label + " {repoId: $id}) WITH n LIMIT 20000 DETACH DELETE n RETURN count(*) AS c",
                        Map.of("id", id)).single().get("c").asLong());
            } while (deleted > 0);
        }
        write("deleting repository " + id, tx -> tx.run("MATCH (r:Repository {id: $id}) DETACH DELETE r", Map.of("id", id)).consume());
    }

    @Override
    public Map<String, String> fileHashes(String repoId) {
        if (bulk) return storedFiles(repoId).hashes();
        return read("reading file hashes", tx -> {
            Map<String, String> m = new HashMap<>();
            tx.run("MATCH (f:File {repoId: $repo}) WHERE f.kind = 'file' RETURN f.relativePath AS p, f.contentHash AS h",
                    Map.of("repo", repoId)).forEachRemaining(r -> m.put(r.get("p").asString(), r.get("h").asString("")));
            return m;
        });
    }

    @Override
    public StoredFiles storedFiles(String repoId) {
        if (!bulk) return new StoredFiles(fileHashes(repoId), lastIngestFinished(repoId), repository(repoId).map(RepositoryInfo::path).orElse(null));
        return read("reading file hashes", tx -> {
            Map<String, Object> r = call(tx, false, "storedFiles", Map.of("repo", repoId));
            List<String> paths = strings(r.get("paths")), hashes = strings(r.get("hashes"));
            Map<String, String> m = HashMap.newHashMap(paths.size());
            for (int i = 0; i < paths.size(); i++) m.put(paths.get(i), hashes.get(i));
            return new StoredFiles(m, (Boolean) r.get("finished"), (String) r.get("path"));
        });
    }

    @Override
    public Map<String, StoredShape> fileShapes(String repoId, Collection<String> paths) {
        if (paths.isEmpty()) return Map.of();
        Map<String, Object> args = Map.of("repo", repoId, "paths", List.copyOf(paths));
        return read("reading file shapes", tx -> {
            Map<String, StoredShape> m = new HashMap<>();
            if (bulk) {
                Map<String, Object> r = call(tx, false, "fileShapes", args);
                List<String> found = strings(r.get("paths")), shapes = strings(r.get("shapes"));
                List<?> parts = (List<?>) r.get("parts");
                for (int i = 0; i < found.size(); i++) m.put(found.get(i), new StoredShape(shapes.get(i), strings(parts.get(i))));
                return m;
            }
            tx.run("UNWIND $paths AS p MATCH (f:File {repoId: $repo, relativePath: p}) WHERE f.shapeHash IS NOT NULL "
                    + "RETURN p, f.shapeHash AS s, coalesce(f.shapeParts, []) AS parts", args).forEachRemaining(r -> m.put(r.get("p").asString(),
                    new StoredShape(r.get("s").asString(), r.get("parts").asList(v -> v.asString()))));
            return m;
        });
    }

    @Override
    public List<SemanticEdge> semanticEdgesInto(String repoId, Collection<String> paths) {
        if (paths.isEmpty()) return List.of();
        if (bulk) {
            return read("reading edges into changed files", tx -> {
                Map<String, Object> r = call(tx, false, "edgesInto", Map.of("repo", repoId, "paths", List.copyOf(paths)));
                List<String> fp = strings(r.get("fromPath")), type = strings(r.get("type")), tp = strings(r.get("toPath")), res = strings(r.get("resolution"));
                List<?> fs = (List<?>) r.get("fromStart"), ts = (List<?>) r.get("toStart"), line = (List<?>) r.get("line");
                List<SemanticEdge> out = new ArrayList<>(fp.size());
                for (int i = 0; i < fp.size(); i++) {
                    out.add(new SemanticEdge(SemanticEdge.Type.valueOf(type.get(i)), fp.get(i), ((Number) fs.get(i)).intValue(), tp.get(i),
                            ((Number) ts.get(i)).intValue(), ((Number) line.get(i)).intValue(), SemanticEdge.Resolution.valueOf(res.get(i).toUpperCase(java.util.Locale.ROOT))));
                }
                return out;
            });
        }
        return read("reading edges into changed files", tx -> tx.run("""
                UNWIND $paths AS p
                MATCH (:File {repoId: $repo, relativePath: p})-[:DEFINES]->(b)<-[r:CALLS|REFERENCES|EXTENDS|IMPLEMENTS|OVERRIDES]-(a:AstNode)
                WHERE NOT a.path IN $paths
                RETURN a.path AS fp, a.startByte AS fs, type(r) AS type, p AS tp, b.startByte AS ts, r.line AS line, r.resolution AS res
                UNION ALL
                UNWIND $paths AS p
                MATCH (:File {repoId: $repo, relativePath: p})-[:DEFINES]->(b)<-[r:CALLS|REFERENCES]-(a:File)
                WHERE NOT a.relativePath IN $paths
                RETURN a.relativePath AS fp, -1 AS fs, type(r) AS type, p AS tp, b.startByte AS ts, r.line AS line, r.resolution AS res
                UNION ALL
                UNWIND $paths AS p
                MATCH (:File {repoId: $repo, relativePath: p})<-[r:IMPORTS]-(a:File)
                WHERE NOT a.relativePath IN $paths
                RETURN a.relativePath AS fp, 0 AS fs, 'IMPORTS' AS type, p AS tp, 0 AS ts, r.line AS line, r.resolution AS res""",
                Map.of("repo", repoId, "paths", List.copyOf(paths))).list(r -> new SemanticEdge(SemanticEdge.Type.valueOf(r.get("type").asString()),
                r.get("fp").asString(), r.get("fs").asInt(), r.get("tp").asString(), r.get("ts").asInt(), r.get("line").asInt(0),
                SemanticEdge.Resolution.valueOf(r.get("res").asString().toUpperCase(java.util.Locale.ROOT)))));
    }

    @Override
    public void deleteFiles(String repoId, Collection<String> paths) {
        List<String> all = new ArrayList<>(paths);
        if (bulk) {
            for (int i = 0; i < all.size(); i += 1000) {
                List<String> chunk = all.subList(i, Math.min(all.size(), i + 1000));
                write("deleting changed files", tx -> call(tx, true, "deleteFiles", Map.of("repo", repoId, "paths", chunk)));
            }
            return;
        }
        for (int i = 0; i < all.size(); i += 200) {
            List<String> chunk = all.subList(i, Math.min(all.size(), i + 200));
            write("deleting changed files", tx -> {
                tx.run(DELETE_FILE_AST, Map.of("repo", repoId, "paths", chunk)).consume();
                tx.run("UNWIND $paths AS p MATCH (n:TextNode {repoId: $repo, path: p}) DETACH DELETE n", Map.of("repo", repoId, "paths", chunk)).consume();
                tx.run("UNWIND $paths AS p MATCH (f:File {repoId: $repo, relativePath: p}) DETACH DELETE f", Map.of("repo", repoId, "paths", chunk)).consume();
                return null;
            });
        }
        // directories left empty go too, innermost first
        long removed;
        do {
            removed = write("pruning empty directories", tx -> tx.run("""
                    MATCH (d:File {repoId: $repo}) WHERE d.kind = 'directory' AND NOT (d)-[:HAS_FILE]->()
                    DETACH DELETE d RETURN count(*) AS c""", Map.of("repo", repoId)).single().get("c").asLong());
        } while (removed > 0);
    }

    /** A file's AST: every node hangs from its File through HAS_AST and PARENT_OF. */
    static final String DELETE_FILE_AST = """
            UNWIND $paths AS p
            MATCH (:File {repoId: $repo, relativePath: p})-[:HAS_AST]->(:AstNode)-[:PARENT_OF*0..]->(n:AstNode)
            DETACH DELETE n""";
    /** Semantic edges start at definitions: "startByte/kind IS NOT NULL" lets the planner seek on ast_definition's prefix. */
    static final String DELETE_SEMANTIC_EDGES = """
            UNWIND $paths AS p
            MATCH (a:AstNode {repoId: $repo, path: p})-[r:CALLS|REFERENCES|EXTENDS|IMPLEMENTS|OVERRIDES]->()
            WHERE a.startByte IS NOT NULL AND a.kind IS NOT NULL
            DELETE r""";

    private static final String WRITE_FILES = """
            UNWIND $files AS f
            CALL (f) {
              WITH f WHERE f.parent = ''
              MATCH (p:Repository {id: $repo}) RETURN p
              UNION
              WITH f WHERE f.parent <> ''
              MATCH (p:File {repoId: $repo, relativePath: f.parent}) RETURN p
            }
            CREATE (p)-[:HAS_FILE]->(file:File)
            SET file = f.props
            WITH file, f
            CALL (f) {
              UNWIND range(0, size(f.ast) - 1) AS i
              CREATE (n:AstNode)
              SET n = f.ast[i]
              RETURN collect(n) AS nodes
            }
            CALL (file, f, nodes) {
              UNWIND range(0, size(nodes) - 1) AS i
              WITH file, nodes, nodes[i] AS n, f.parents[i] AS pi
              FOREACH (_ IN CASE WHEN pi < 0 THEN [1] ELSE [] END | CREATE (file)-[:HAS_AST]->(n))
              FOREACH (parent IN CASE WHEN pi >= 0 THEN [nodes[pi]] ELSE [] END | CREATE (parent)-[:PARENT_OF]->(n))
              FOREACH (_ IN CASE WHEN n.kind IS NOT NULL THEN [1] ELSE [] END | CREATE (file)-[:DEFINES]->(n))
            }
            CALL (file, f) {
              UNWIND range(0, size(f.text) - 1) AS i
              CREATE (c:TextNode)
              SET c = f.text[i]
              CREATE (file)-[:HAS_TEXT]->(c)
              RETURN collect(c) AS chunks
            }
            CALL (chunks) {
              UNWIND range(0, size(chunks) - 2) AS i
              WITH chunks[i] AS a, chunks[i + 1] AS b
              CREATE (a)-[:NEXT_CHUNK]->(b)
            }
            """;

    @Override
    public long[] writeFiles(String repoId, List<FileGraph> files) {
        if (files.isEmpty()) return new long[]{0, 0};
        // the procedure creates missing directories itself; plain Cypher writes them first
        long[] dirs = bulk ? new long[]{0, 0} : writeDirectories(repoId, files);
        long nodes = dirs[0], edges = dirs[1];
        List<Map<String, Object>> batch = new ArrayList<>();
        int batchNodes = 0;
        for (FileGraph fg : files) {
            batch.add(fileRow(repoId, fg));
            batchNodes += fg.nodeCount();
            if (batchNodes >= BATCH_AST_NODES) {
                long[] c = writeBatch(repoId, batch);
                nodes += c[0];
                edges += c[1];
                batch = new ArrayList<>();
                batchNodes = 0;
            }
        }
        if (!batch.isEmpty()) {
            long[] c = writeBatch(repoId, batch);
            nodes += c[0];
            edges += c[1];
        }
        return new long[]{nodes, edges};
    }

    /** Every ancestor directory of the files, shallowest first, merged under its parent; returns nodes and edges created. */
    private long[] writeDirectories(String repoId, List<FileGraph> files) {
        long nodes = 0, edges = 0;
        Map<String, String> dirs = new LinkedHashMap<>();
        for (FileGraph fg : files) {
            String p = fg.file().relativePath();
            int slash;
            List<String> chain = new ArrayList<>();
            while ((slash = p.lastIndexOf('/')) > 0) {
                p = p.substring(0, slash);
                chain.addFirst(p);
            }
            for (String d : chain) dirs.putIfAbsent(d, d.contains("/") ? d.substring(0, d.lastIndexOf('/')) : "");
        }
        // one statement per depth: a statement does not see the directories its own earlier rows merged
        Map<Integer, List<Map<String, Object>>> byDepth = new java.util.TreeMap<>();
        dirs.forEach((d, parent) -> byDepth.computeIfAbsent((int) d.chars().filter(c -> c == '/').count(), k -> new ArrayList<>())
                .add(Map.of("path", d, "parent", parent, "name", d.substring(d.lastIndexOf('/') + 1))));
        for (List<Map<String, Object>> dirRows : byDepth.values()) {
            long[] created = write("writing directories", tx -> {
                var summary = tx.run("""
                        UNWIND $dirs AS d
                        CALL (d) {
                          WITH d WHERE d.parent = ''
                          MATCH (p:Repository {id: $repo}) RETURN p
                          UNION
                          WITH d WHERE d.parent <> ''
                          MATCH (p:File {repoId: $repo, relativePath: d.parent}) RETURN p
                        }
                        MERGE (p)-[:HAS_FILE]->(dir:File {repoId: $repo, relativePath: d.path})
                        ON CREATE SET dir.basename = d.name, dir.kind = 'directory'
                        """, Map.of("repo", repoId, "dirs", dirRows)).consume().counters();
                return new long[]{summary.nodesCreated(), summary.relationshipsCreated()};
            });
            nodes += created[0];
            edges += created[1];
        }
        return new long[]{nodes, edges};
    }

    private long[] writeBatch(String repoId, List<Map<String, Object>> rows) {
        if (bulk) {
            return write("writing " + rows.size() + " files", tx -> {
                Map<String, Object> r = call(tx, true, "writeFiles", Map.of("repo", repoId, "files", rows));
                return new long[]{count(r, "nodes"), count(r, "relationships")};
            });
        }
        return write("writing " + rows.size() + " files", tx -> {
            var counters = tx.run(new Query(WRITE_FILES, Map.of("repo", repoId, "files", rows))).consume().counters();
            return new long[]{counters.nodesCreated(), counters.relationshipsCreated()};
        });
    }

    private Map<String, Object> fileRow(String repoId, FileGraph fg) {
        FileGraph.FileNode f = fg.file();
        String path = f.relativePath();
        Map<String, Object> props = new HashMap<>();
        props.put("repoId", repoId);
        props.put("relativePath", path);
        props.put("basename", f.basename());
        props.put("kind", "file");
        if (f.language() != null) props.put("language", f.language());
        props.put("contentHash", f.contentHash() == null ? "" : f.contentHash());
        props.put("size", f.size());
        props.put("lines", f.lines());
        if (f.encoding() != null) props.put("encoding", f.encoding());
        if (f.parseError()) {
            props.put("parseError", true);
            props.put("syntaxError", f.syntaxError());
        }
        if (f.skipReason() != null) props.put("skipReason", f.skipReason());
        if (!f.refNames().isEmpty()) props.put("refNames", f.refNames());
        if (f.shapeHash() != null) props.put("shapeHash", f.shapeHash());
        if (!f.shapeParts().isEmpty()) props.put("shapeParts", f.shapeParts());
        List<Integer> parents = new ArrayList<>(fg.ast().size());
        for (FileGraph.AstNodeRecord a : fg.ast()) parents.add(a.parent());
        List<Map<String, Object>> text = new ArrayList<>(fg.text().size());
        int index = 0;
        for (FileGraph.TextChunk t : fg.text()) {
            Map<String, Object> m = new HashMap<>();
            m.put("repoId", repoId);
            m.put("path", path);
            m.put("index", index++);
            m.put("text", t.text());
            m.put("startLine", t.startLine());
            m.put("endLine", t.endLine());
            if (t.heading() != null) m.put("heading", t.heading());
            text.add(m);
        }
        int slash = path.lastIndexOf('/');
        Map<String, Object> row = new HashMap<>();
        row.put("parent", slash < 0 ? "" : path.substring(0, slash));
        row.put("props", props);
        row.put("parents", parents);
        row.put("text", text);
        if (bulk) {
            row.put("path", path);
            row.put("columns", astColumns(fg.ast()));
        } else {
            List<Map<String, Object>> ast = new ArrayList<>(fg.ast().size());
            for (FileGraph.AstNodeRecord a : fg.ast()) {
                Map<String, Object> m = new HashMap<>();
                m.put("repoId", repoId);
                m.put("type", a.type());
                if (a.name() != null) m.put("name", a.name());
                if (a.kind() != null) {
                    m.put("kind", a.kind());
                    m.put("path", path); // only definitions carry their file's path, as in the procedure's writeFiles
                }
                if (a.qualifiedName() != null) m.put("qualifiedName", a.qualifiedName());
                m.put("startLine", a.startLine());
                m.put("endLine", a.endLine());
                m.put("startByte", a.startByte());
                m.put("endByte", a.endByte());
                if (a.error()) m.put("error", true);
                ast.add(m);
            }
            row.put("ast", ast);
        }
        return row;
    }

    /** AST nodes as parallel columns: a handful of lists instead of one map per node keeps the Bolt payload small. */
    private static Map<String, Object> astColumns(List<FileGraph.AstNodeRecord> ast) {
        int n = ast.size();
        List<String> type = new ArrayList<>(n), name = new ArrayList<>(n), kind = new ArrayList<>(n), qn = new ArrayList<>(n);
        List<Integer> sl = new ArrayList<>(n), el = new ArrayList<>(n), sb = new ArrayList<>(n), eb = new ArrayList<>(n);
        List<Boolean> err = new ArrayList<>(n);
        for (FileGraph.AstNodeRecord a : ast) {
            type.add(a.type());
            name.add(a.name());
            kind.add(a.kind());
            qn.add(a.qualifiedName());
            sl.add(a.startLine());
            el.add(a.endLine());
            sb.add(a.startByte());
            eb.add(a.endByte());
            err.add(a.error());
        }
        Map<String, Object> c = new HashMap<>();
        c.put("type", type);
        c.put("name", name);
        c.put("kind", kind);
        c.put("qualifiedName", qn);
        c.put("startLine", sl);
        c.put("endLine", el);
        c.put("startByte", sb);
        c.put("endByte", eb);
        c.put("error", err);
        return c;
    }

    @Override
    public long replaceSemanticEdges(String repoId, Collection<String> fromFiles, List<SemanticEdge> edges, boolean finishIngest) {
        List<String> files = new ArrayList<>(new LinkedHashSet<>(fromFiles));
        Map<SemanticEdge.Type, List<Map<String, Object>>> byType = new LinkedHashMap<>();
        Set<String> seen = new java.util.HashSet<>();
        for (SemanticEdge e : edges) {
            String key = e.type() + "|" + e.fromPath() + "|" + e.fromStartByte() + "|" + e.toPath() + "|" + e.toStartByte();
            if (!seen.add(key)) continue;
            Map<String, Object> m = new HashMap<>();
            m.put("fp", e.fromPath());
            m.put("fs", e.fromStartByte());
            m.put("tp", e.toPath());
            m.put("ts", e.toStartByte());
            m.put("line", e.line());
            m.put("res", e.resolution().wire());
            if (bulk) m.put("type", e.type().name());
            byType.computeIfAbsent(e.type(), k -> new ArrayList<>()).add(m);
        }
        if (bulk) {
            // removal and the first rows in one transaction: a small update is never seen half done
            List<Map<String, Object>> rows = byType.values().stream().flatMap(List::stream).toList();
            long created = 0;
            int i = 0;
            do {
                List<Map<String, Object>> chunk = rows.subList(i, Math.min(rows.size(), i + 10_000));
                List<String> from = i == 0 ? files : List.of();
                boolean last = i + 10_000 >= rows.size();
                created += write("writing semantic edges", tx -> {
                    // finishing is no transaction of its own: a commit and a query to plan cost a cold process 0.15-0.2 s
                    return count(call(tx, true, "replaceEdges", Map.of("repo", repoId, "from", from, "edges", chunk, "finish", last && finishIngest)),
                            "relationships");
                });
                i += 10_000;
            } while (i < rows.size());
            return created;
        }
        for (int i = 0; i < files.size(); i += 500) {
            List<String> chunk = files.subList(i, Math.min(files.size(), i + 500));
            write("removing old semantic edges", tx -> {
                tx.run(DELETE_SEMANTIC_EDGES, Map.of("repo", repoId, "paths", chunk)).consume();
                // imports, and the calls and references of code outside every definition
                tx.run("UNWIND $paths AS p MATCH (:File {repoId: $repo, relativePath: p})-[r:IMPORTS|CALLS|REFERENCES]->() DELETE r",
                        Map.of("repo", repoId, "paths", chunk)).consume();
                return null;
            });
        }
        long created = 0;
        for (var entry : byType.entrySet()) {
            // each type's rows from definitions, then from files (code outside every definition): their start matches another node
            var fromFile = entry.getValue().stream()
                    .collect(java.util.stream.Collectors.partitioningBy(m -> ((Number) m.get("fs")).intValue() == SemanticEdge.FILE));
            for (boolean file : new boolean[]{false, true}) {
                List<Map<String, Object>> rows = fromFile.get(file);
                String type = entry.getKey().name();
                String cypher = entry.getKey() == SemanticEdge.Type.IMPORTS ? """
                        UNWIND $rows AS e
                        MATCH (a:File {repoId: $repo, relativePath: e.fp})
                        MATCH (b:File {repoId: $repo, relativePath: e.tp})
                        MERGE (a)-[r:IMPORTS]->(b)
                        SET r.resolution = e.res, r.line = e.line""" : """
                        UNWIND $rows AS e
                        %s
                        MATCH (b:AstNode {repoId: $repo, path: e.tp, startByte: e.ts}) WHERE b.kind IS NOT NULL
                        CREATE (a)-[r:%s]->(b)
                        SET r.resolution = e.res, r.line = e.line""".formatted(file ? "MATCH (a:File {repoId: $repo, relativePath: e.fp})"
                        : "MATCH (a:AstNode {repoId: $repo, path: e.fp, startByte: e.fs}) WHERE a.kind IS NOT NULL", type);
                for (int i = 0; i < rows.size(); i += 10_000) {
                    List<Map<String, Object>> chunk = rows.subList(i, Math.min(rows.size(), i + 10_000));
                    created += write("writing " + type + " edges", tx -> tx.run(cypher, Map.of("repo", repoId, "rows", chunk))
                            .consume().counters().relationshipsCreated());
                }
            }
        }
        if (finishIngest) finishIngest(repoId);
        return created;
    }

    @Override
    public List<String> filesReferencing(String repoId, Collection<String> names, Collection<String> importedPaths) {
        Map<String, Object> params = Map.of("repo", repoId, "names", List.copyOf(names), "paths", List.copyOf(importedPaths));
        if (bulk) {
            return read("finding dependent files", tx -> strings(call(tx, false, "filesReferencing", params).get("paths")));
        }
        return read("finding dependent files", tx -> tx.run("""
                MATCH (f:File {repoId: $repo}) WHERE f.kind = 'file' AND f.refNames IS NOT NULL AND any(n IN f.refNames WHERE n IN $names)
                RETURN f.relativePath AS p
                UNION
                UNWIND $paths AS t
                MATCH (f:File)-[:IMPORTS]->(:File {repoId: $repo, relativePath: t})
                RETURN f.relativePath AS p""", params).list(r -> r.get("p").asString()));
    }

    @Override
    public List<Definition> definitions(String repoId) {
        if (bulk) {
            return read("reading definitions", tx -> {
                Map<String, Object> row = call(tx, false, "definitions", Map.of("repo", repoId));
                List<?> path = (List<?>) row.get("path"), name = (List<?>) row.get("name"), kind = (List<?>) row.get("kind"),
                        qn = (List<?>) row.get("qualifiedName"), sb = (List<?>) row.get("startByte"), eb = (List<?>) row.get("endByte"),
                        sl = (List<?>) row.get("startLine"), el = (List<?>) row.get("endLine");
                List<Definition> out = new ArrayList<>(path.size());
                for (int i = 0; i < path.size(); i++) {
                    out.add(new Definition((String) path.get(i), (String) name.get(i), (String) kind.get(i), (String) qn.get(i),
                            ((Number) sb.get(i)).intValue(), ((Number) eb.get(i)).intValue(), ((Number) sl.get(i)).intValue(), ((Number) el.get(i)).intValue()));
                }
                return out;
            });
        }
        return read("reading definitions", tx -> tx.run("""
                MATCH (n:AstNode {repoId: $repo}) WHERE n.path IS NOT NULL AND n.startByte IS NOT NULL AND n.kind IS NOT NULL
                RETURN n.path AS path, n.name AS name, n.kind AS kind, n.qualifiedName AS qn, n.startByte AS sb, n.endByte AS eb,
                       n.startLine AS sl, n.endLine AS el""", Map.of("repo", repoId)).list(r -> new Definition(
                r.get("path").asString(), r.get("name").asString(null), r.get("kind").asString(), r.get("qn").asString(null),
                r.get("sb").asInt(), r.get("eb").asInt(), r.get("sl").asInt(), r.get("el").asInt())));
    }

    @Override
    public long[] counts(String repoId) {
        return read("counting", tx -> {
            long n = tx.run("""
                    RETURN COUNT { MATCH (f:File {repoId: $repo}) } + COUNT { MATCH (a:AstNode {repoId: $repo}) }
                         + COUNT { MATCH (t:TextNode {repoId: $repo}) } AS n""", Map.of("repo", repoId)).single().get("n").asLong();
            long e = tx.run("""
                    RETURN COUNT { MATCH (:Repository {id: $repo})-[:HAS_FILE]->() }
                     + COUNT { MATCH (f:File {repoId: $repo})-[]->() } + COUNT { MATCH (a:AstNode {repoId: $repo})-[]->() }
                     + COUNT { MATCH (t:TextNode {repoId: $repo})-[]->() } AS e""", Map.of("repo", repoId)).single().get("e").asLong();
            return new long[]{n, e};
        });
    }

    @Override
    public void close() {
        driver.close();
    }
}
