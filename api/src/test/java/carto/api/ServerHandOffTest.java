package carto.api;

import carto.api.server.CartoServer;
import carto.graph.KnowledgeGraph;
import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * {@code carto ingest} beside a running {@code carto serve} on the same data folder: the server
 * holds the embedded Neo4j and the index (their locks keep every other process out), so the
 * command hands the ingest to it over the REST API. Real embedded Neo4j, real HTTP, the real CLI.
 */
class ServerHandOffTest {
    @TempDir
    Path tmp;

    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private Path repo() throws Exception {
        Path repo = tmp.resolve("repo");
        Files.createDirectories(repo.resolve("src"));
        Files.writeString(repo.resolve("src/app.py"), "def helper():\n    return 1\n\n\ndef main():\n    return helper()\n");
        Files.writeString(repo.resolve("README.md"), "# App\n\nCalls helper.\n");
        return repo;
    }

    private static int post(String url, String body) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(url)).header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString()).statusCode();
    }

    @Test
    void ingestBesideARunningServerRunsInIt() throws Exception {
        Path repo = repo();
        Path data = tmp.resolve("data");
        try (KnowledgeGraph kg = KnowledgeGraph.open(new KnowledgeGraph.Config(data, null, null, null, null, true))) {
            CartoServer server = new CartoServer(kg, null, CartoServer.Options.of("127.0.0.1", 0).withDataDir(data)).start();
            try {
                JsonNode announced = Json.MAPPER.readTree(data.resolve(RunningServer.FILE).toFile());
                assertEquals("http://127.0.0.1:" + server.port(), announced.get("url").asText());
                assertEquals(ProcessHandle.current().pid(), announced.get("pid").asLong());

                CliTest.Run first = CliTest.run("ingest", repo.toString(), "--data", data.toString(), "--repo-id", "handoff", "--json");
                assertEquals(0, first.code(), first.err());
                assertTrue(first.err().contains("the Carto server at http://127.0.0.1:" + server.port()) && first.err().contains("the ingest runs there"), first.err());
                JsonNode summary = Json.MAPPER.readTree(first.out());
                assertEquals("handoff", summary.get("repoId").asText());
                assertEquals(2, summary.get("files").asInt());
                assertEquals(2, summary.get("added").asInt());
                // written by the server into the graph it holds
                assertTrue(kg.graph().repositories().stream().anyMatch(r -> r.id().equals("handoff")));
                assertTrue(kg.tools().callers("handoff", "helper", 10).stream().anyMatch(h -> h.from().name().equals("main")),
                        kg.tools().callers("handoff", "helper", 10).toString());

                // an edit: incremental through the server, with the summary as text
                Files.writeString(repo.resolve("src/app.py"), "def helper():\n    return 2\n\n\ndef main():\n    return helper()\n");
                CliTest.Run again = CliTest.run("ingest", repo.toString(), "--data", data.toString(), "--repo-id", "handoff");
                assertEquals(0, again.code(), again.err());
                assertTrue(again.out().contains("Ingested handoff") && again.out().contains("0 added, 1 changed, 0 deleted, 1 unchanged"), again.out());

                // --full rebuilds there too
                CliTest.Run full = CliTest.run("ingest", repo.toString(), "--data", data.toString(), "--repo-id", "handoff", "--full", "--json");
                assertEquals(0, full.code(), full.err());
                assertEquals(2, Json.MAPPER.readTree(full.out()).get("added").asInt(), full.out());

                // bad input is refused as for a local ingest, and names what to do
                CliTest.Run missing = CliTest.run("ingest", tmp.resolve("nope").toString(), "--data", data.toString());
                assertEquals(1, missing.code());
                assertTrue(missing.err().contains("no such folder"), missing.err());
                CliTest.Run depth = CliTest.run("ingest", repo.toString(), "--data", data.toString(), "--ast-depth", "deep");
                assertEquals(2, depth.code());
                assertTrue(depth.err().contains("unknown AST depth 'deep'"), depth.err());

                // a command that cannot go through it says where the server is
                CliTest.Run query = CliTest.run("query", "callers", "helper", "--data", data.toString());
                assertEquals(1, query.code());
                assertTrue(query.err().contains("the Carto server at http://127.0.0.1:" + server.port()) && query.err().contains("holds the data folder"), query.err());

                // the REST options behind it are checked one by one
                String base = "http://127.0.0.1:" + server.port() + "/v1/repositories";
                assertEquals(400, post(base, "{\"path\": \"" + repo + "\", \"ast_depth\": \"deep\"}"));
                assertEquals(400, post(base, "{\"path\": \"" + repo + "\", \"max_file_size\": 0}"));
                assertEquals(400, post(base, "{\"path\": \"" + repo + "\", \"full\": \"yes\"}"));
                assertEquals(400, post(base, "{\"path\": \"" + repo + "\", \"repo_id\": \" \"}"));
                // an id that holds another folder is refused, before any job starts
                Path other = Files.createDirectories(tmp.resolve("other"));
                assertEquals(409, post(base, "{\"path\": \"" + other + "\", \"repo_id\": \"handoff\"}"));
                CliTest.Run taken = CliTest.run("ingest", other.toString(), "--data", data.toString(), "--repo-id", "handoff");
                assertEquals(1, taken.code());
                assertTrue(taken.err().contains("already holds " + repo.toAbsolutePath().normalize()), taken.err());
            } finally {
                server.close();
            }
            // the record goes with the server
            assertFalse(Files.exists(data.resolve(RunningServer.FILE)));
        }
        // a record a killed server left behind (its process gone) is ignored: the command opens the folder itself
        Process gone = new ProcessBuilder("true").start();
        gone.waitFor();
        Files.writeString(data.resolve(RunningServer.FILE), "{\"url\": \"http://127.0.0.1:9\", \"pid\": " + gone.pid() + ", \"apiKey\": false}\n");
        CliTest.Run local = CliTest.run("ingest", repo.toString(), "--data", data.toString(), "--repo-id", "handoff", "--json");
        assertEquals(0, local.code(), local.err());
        assertFalse(local.err().contains("runs there"), local.err());
        assertEquals(2, Json.MAPPER.readTree(local.out()).get("unchanged").asInt(), local.out());
    }

    @Test
    void aServerThatNeedsAKeySaysWhichOne() throws Exception {
        assumeTrue(System.getenv(RunningServer.API_KEY_ENV) == null, RunningServer.API_KEY_ENV + " is set in this environment");
        Path repo = repo();
        Path data = tmp.resolve("data");
        try (KnowledgeGraph kg = KnowledgeGraph.open(new KnowledgeGraph.Config(data, null, null, null, null, true))) {
            CartoServer server = new CartoServer(kg, null, CartoServer.Options.of("127.0.0.1", 0).withDataDir(data).withApiKey("s3cret")).start();
            try {
                CliTest.Run r = CliTest.run("ingest", repo.toString(), "--data", data.toString());
                assertEquals(1, r.code());
                assertTrue(r.err().contains("needs its API key: set " + RunningServer.API_KEY_ENV), r.err());
                assertTrue(kg.graph().repositories().isEmpty(), "nothing was ingested");
            } finally {
                server.close();
            }
        }
    }
}
