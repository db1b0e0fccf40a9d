package carto.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Iterator;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * The Carto server that holds a data folder, as another command finds it. {@code carto serve}
 * keeps the embedded Neo4j and the search index of its data folder open, and both lock the
 * folder, so no second process can open them. While it runs, the server says where it listens in
 * {@value #FILE} in that folder; a command such as {@code carto ingest} then hands its work to it
 * over the REST API instead of failing on the lock (and runs in a warmed-up JVM).
 */
public final class RunningServer {
    /** The file in the data folder. */
    public static final String FILE = "server.json";
    /** The environment variable both {@code carto serve} and its clients read the API key from. */
    public static final String API_KEY_ENV = "CARTO_SERVER_API_KEY";

    /**
     * What the server writes: its base URL (reachable from this machine), process id, the Neo4j
     * server it writes to (null: the embedded one in the data folder) and whether it needs an API key.
     */
    public record Announcement(String url, long pid, String neo4j, boolean apiKey) {}

    private final Announcement announced;
    private final Path dataDir;
    private final String key;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build();

    private RunningServer(Announcement announced, Path dataDir, String key) {
        this.announced = announced;
        this.dataDir = dataDir;
        this.key = key;
    }

    /** Records this process as the server of {@code dataDir}, listening at {@code url}. */
    public static void announce(Path dataDir, String url, URI neo4j, boolean apiKey) throws IOException {
        Files.createDirectories(dataDir);
        Path tmp = Files.createTempFile(dataDir, "server", ".json.tmp");
        Announcement a = new Announcement(url, ProcessHandle.current().pid(), neo4j == null ? null : neo4j.toString(), apiKey);
        Files.writeString(tmp, Json.write(a) + "\n");
        Files.move(tmp, dataDir.resolve(FILE), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /** Removes this process's record from {@code dataDir} (one another server wrote since stays). */
    public static void withdraw(Path dataDir) {
        Path f = dataDir.resolve(FILE);
        try {
            Announcement a = read(f);
            if (a != null && a.pid() == ProcessHandle.current().pid()) Files.deleteIfExists(f);
        } catch (IOException | UncheckedIOException e) {
            // a record that cannot be read or removed is checked for a live process by whoever reads it
        }
    }

    /** The base URL a client on this machine reaches a server listening on {@code host} at. */
    public static String localUrl(String host, int port) {
        String h = host == null || host.equals("0.0.0.0") || host.equals("::") || host.equals("[::]") ? "127.0.0.1" : host;
        if (h.contains(":") && !h.startsWith("[")) h = "[" + h + "]";
        return "http://" + h + ":" + port;
    }

    /**
     * The live server of {@code dataDir} that writes to the same graph as a command configured for
     * {@code neo4j} (null: the embedded one) would; empty when there is none (no record, its
     * process gone, not answering, or holding another graph).
     */
    public static Optional<RunningServer> find(Path dataDir, URI neo4j) {
        Announcement a;
        try {
            a = read(dataDir.resolve(FILE));
        } catch (IOException | UncheckedIOException e) {
            return Optional.empty();
        }
        if (a == null || a.url() == null) return Optional.empty();
        if (!Objects.equals(a.neo4j(), neo4j == null ? null : neo4j.toString())) return Optional.empty();
        if (!ProcessHandle.of(a.pid()).map(ProcessHandle::isAlive).orElse(false)) return Optional.empty();
        String key = System.getenv(API_KEY_ENV);
        RunningServer s = new RunningServer(a, dataDir, key == null || key.isBlank() ? null : key.strip());
        return s.healthy() ? Optional.of(s) : Optional.empty();
    }

    private static Announcement read(Path f) throws IOException {
        if (!Files.isRegularFile(f)) return null;
        try {
            return Json.MAPPER.readValue(f.toFile(), Announcement.class);
        } catch (com.fasterxml.jackson.core.JacksonException e) {
            return null; // half-written or from another version: as if there were none
        }
    }

    private boolean healthy() {
        HttpRequest req;
        try {
            req = HttpRequest.newBuilder(URI.create(announced.url() + "/health")).timeout(Duration.ofSeconds(3)).GET().build();
        } catch (IllegalArgumentException e) {
            return false; // a record with no usable URL
        }
        return status(req) == 200;
    }

    public String url() {
        return announced.url();
    }

    /** "the Carto server at URL (pid N)", for messages. */
    public String describe() {
        return "the Carto server at " + announced.url() + " (pid " + announced.pid() + ")";
    }

    /** A POST of a JSON body; the answer's JSON, or an error that says what the server said. */
    public JsonNode post(String path, JsonNode body) {
        return send(request(path).header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(Json.compact(body))).build());
    }

    public JsonNode get(String path) {
        return send(request(path).GET().build());
    }

    /**
     * Follows a job's events as the server streams them (server-sent events), handing each one
     * ({@code type}, and {@code data}) to {@code onEvent}, until the job ends; then the job.
     */
    public JsonNode follow(String jobId, Consumer<ObjectNode> onEvent) {
        HttpRequest req = request("/v1/jobs/" + jobId + "/events").header("Accept", "text/event-stream").GET().build();
        HttpResponse<Stream<String>> r = exchange(req, HttpResponse.BodyHandlers.ofLines(), "following job " + jobId);
        if (r.statusCode() != 200) throw refused(r.statusCode(), String.join("\n", r.body().toList()));
        try (Stream<String> lines = r.body()) {
            String type = null;
            for (Iterator<String> it = lines.iterator(); it.hasNext(); ) {
                String line = it.next();
                if (line.startsWith("event:")) {
                    type = line.substring(6).strip();
                } else if (line.startsWith("data:") && type != null) {
                    if (type.equals("end")) break;
                    ObjectNode e = Json.MAPPER.createObjectNode().put("type", type);
                    e.set("data", Json.MAPPER.readTree(line.substring(5).strip()));
                    onEvent.accept(e);
                } else if (line.isEmpty()) {
                    type = null;
                }
            }
        } catch (IOException | UncheckedIOException e) {
            throw unreachable(e instanceof UncheckedIOException u ? u.getCause() : (IOException) e);
        }
        return get("/v1/jobs/" + jobId);
    }

    /** Asks the server to cancel a job (a Ctrl-C of the command that submitted it); false when that failed. */
    public boolean cancel(String jobId) {
        return status(request("/v1/jobs/" + jobId + "/cancel").timeout(Duration.ofSeconds(3)).POST(HttpRequest.BodyPublishers.noBody()).build()) == 202;
    }

    /** The status the server answers a request with; -1 when it could not be asked. */
    private int status(HttpRequest req) {
        try {
            return http.send(req, HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    /** The server's response, or an error saying it could not be reached (or that waiting, while {@code doing}, was interrupted). */
    private <T> HttpResponse<T> exchange(HttpRequest req, HttpResponse.BodyHandler<T> body, String doing) {
        try {
            return http.send(req, body);
        } catch (IOException e) {
            throw unreachable(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while " + doing, e);
        }
    }

    private HttpRequest.Builder request(String path) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(announced.url() + path));
        if (key != null) b.header("Authorization", "Bearer " + key);
        return b;
    }

    private JsonNode send(HttpRequest req) {
        HttpResponse<String> r = exchange(req, HttpResponse.BodyHandlers.ofString(), "waiting for " + describe());
        if (r.statusCode() / 100 != 2) throw refused(r.statusCode(), r.body());
        try {
            return Json.MAPPER.readTree(r.body());
        } catch (IOException e) {
            throw new IllegalStateException(describe() + " answered " + req.uri().getPath() + " with something that is not JSON: " + e.getMessage(), e);
        }
    }

    private IllegalStateException unreachable(IOException e) {
        String why = e instanceof HttpTimeoutException ? "it did not answer in time" : e instanceof ConnectException ? "it refused the connection" : String.valueOf(e.getMessage());
        return new IllegalStateException(describe() + " holds the data folder " + dataDir + " but could not be reached (" + why
                + "); wait for it or stop it, then run this again", e);
    }

    private IllegalStateException refused(int status, String body) {
        String message = body;
        try {
            JsonNode j = Json.MAPPER.readTree(body);
            if (j.path("error").hasNonNull("message")) message = j.path("error").path("message").asText();
        } catch (IOException | RuntimeException ignored) {
            // not JSON: the body as it is
        }
        if (status == 401) {
            return new IllegalStateException(describe() + " holds the data folder " + dataDir + " and needs its API key: set " + API_KEY_ENV
                    + " to the key it was started with");
        }
        return new IllegalStateException(describe() + " refused (HTTP " + status + "): " + message);
    }
}
