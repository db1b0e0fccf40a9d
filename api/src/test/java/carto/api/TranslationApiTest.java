package carto.api;

import carto.agents.ScriptedModel;
import carto.api.server.CartoServer;
import carto.translate.Toolchains;
import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipInputStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** Translation batch jobs over HTTP: submit, follow, download; a restart in the middle resumes without redoing verified units. */
class TranslationApiTest {
    @TempDir
    Path tmp;
    final HttpClient http = HttpClient.newHttpClient();

    static final String SOURCE = """
            #include <stdio.h>
            int twice(int x) { return 2 * x; }
            int main(int argc, char **argv) { printf("%d\\n", twice(argc)); return 0; }
            """;
    static final String TWICE = "```rust\n#[no_mangle]\npub extern \"C\" fn twice(x: c_int) -> c_int { 2 * x }\n```";
    static final String TWICE_IDIOMATIC = "```rust\npub fn twice_idiomatic(x: i32) -> i32 { x * 2 }\n#[no_mangle]\npub extern \"C\" fn twice(x: c_int) -> c_int { twice_idiomatic(x) }\n```";
    static final String MAIN = "```rust\nextern \"C\" { fn printf(fmt: *const c_char, ...) -> c_int; }\n#[no_mangle]\n"
            + "pub extern \"C\" fn main(argc: c_int, _argv: *const *const c_char) -> c_int {\n"
            + "    unsafe { printf(b\"%d\\n\\0\".as_ptr() as *const c_char, twice(argc)); }\n    0\n}\n```";

    /** Answers per unit; main waits (interruptibly) when {@code hold} is set, like a slow model. */
    static ScriptedModel model(List<String> asked, boolean hold) {
        return new ScriptedModel().contextLength(16384).otherwise(msgs -> {
            String p = msgs.getLast().content();
            boolean idiomatic = p.contains("_idiomatic");
            String unit = p.contains("int main(") && !idiomatic ? "main" : "twice";
            asked.add(unit + (idiomatic ? "/idiomatic" : ""));
            if (unit.equals("main") && hold) {
                try {
                    Thread.sleep(60_000);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return "";
            }
            return unit.equals("main") ? MAIN : idiomatic ? TWICE_IDIOMATIC : TWICE;
        });
    }

    JsonNode get(String base, String path) throws Exception {
        return Json.MAPPER.readTree(http.send(HttpRequest.newBuilder(URI.create(base + path)).build(), HttpResponse.BodyHandlers.ofString()).body());
    }

    @Test
    void aTranslationJobSurvivesARestartAndItsResultDownloads() throws Exception {
        assumeTrue(Toolchains.runner(false).bubblewrapAvailable() && Toolchains.available(), "bubblewrap, cargo and gcc are needed: apt-get install bubblewrap gcc; rustup.rs");
        List<String> asked = Collections.synchronizedList(new ArrayList<>());
        CartoServer first = new CartoServer(null, model(asked, true), CartoServer.Options.of("127.0.0.1", 0).withDataDir(tmp)).start();
        String base = "http://127.0.0.1:" + first.port();
        String body = Json.compact(Map.of("programs", List.of(Map.of("name", "twice", "source", SOURCE,
                "tests", Map.of("feed", "args", "tests", List.of(Map.of("input", "", "expected_output", "2"), Map.of("input", "x y", "expected_output", "6")))))));
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base + "/v1/translations")).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(202, r.statusCode(), r.body());
        String id = Json.MAPPER.readTree(r.body()).path("id").asText();
        for (int i = 0; i < 600 && !asked.contains("main"); i++) Thread.sleep(100);
        assertTrue(asked.contains("main"), "twice was verified and main is being translated: " + asked);
        first.close(); // the server stops in the middle of main

        List<String> after = Collections.synchronizedList(new ArrayList<>());
        try (CartoServer second = new CartoServer(null, model(after, false), CartoServer.Options.of("127.0.0.1", 0).withDataDir(tmp)).start()) {
            String b2 = "http://127.0.0.1:" + second.port();
            JsonNode job = null;
            for (int i = 0; i < 1200; i++) {
                job = get(b2, "/v1/jobs/" + id);
                if (List.of("SUCCEEDED", "FAILED", "CANCELLED").contains(job.path("state").asText())) break;
                Thread.sleep(100);
            }
            assertEquals("SUCCEEDED", job.path("state").asText(), job.toString());
            assertEquals(1, job.path("result").path("translated").asInt());
            assertEquals(1, job.path("result").path("idiomatic").asInt());
            assertEquals(List.of("main", "twice/idiomatic"), after, "the verified unit was not redone");
            HttpResponse<byte[]> zip = http.send(HttpRequest.newBuilder(URI.create(b2 + "/v1/translations/" + id + "/archive")).build(),
                    HttpResponse.BodyHandlers.ofByteArray());
            assertEquals(200, zip.statusCode());
            List<String> entries = new ArrayList<>();
            try (ZipInputStream in = new ZipInputStream(new ByteArrayInputStream(zip.body()))) {
                for (var e = in.getNextEntry(); e != null; e = in.getNextEntry()) entries.add(e.getName());
            }
            assertTrue(entries.contains("twice/workspace/translated/src/lib.rs"), entries.toString());
            assertTrue(entries.contains("report.md") && entries.contains("twice/report.json"), entries.toString());
            assertTrue(entries.stream().noneMatch(e -> e.contains("/target/")));
            HttpResponse<String> bad = http.send(HttpRequest.newBuilder(URI.create(b2 + "/v1/translations")).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"programs\": [{\"name\": \"x\"}]}")).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(400, bad.statusCode());
            assertTrue(bad.body().contains("needs its C 'source'"), bad.body());
        }
    }

    @Test
    void aCRepositoryGivenByPathIsIngestedAndTranslated() throws Exception {
        assumeTrue(Toolchains.runner(false).bubblewrapAvailable() && Toolchains.available(), "bubblewrap, cargo and gcc are needed: apt-get install bubblewrap gcc; rustup.rs");
        java.nio.file.Path programs = java.nio.file.Files.createDirectories(tmp.resolve("cprogs"));
        java.nio.file.Files.writeString(programs.resolve("twice.c"), SOURCE);
        java.nio.file.Files.writeString(programs.resolve("twice.c.json"), "{\"feed\": \"args\", \"tests\": [{\"input\": \"\", \"expected_output\": \"2\"}]}");
        try (carto.graph.KnowledgeGraph kg = carto.graph.KnowledgeGraph.open(new carto.graph.KnowledgeGraph.Config(tmp.resolve("data"),
                carto.graph.TestGraph.server().boltUri(), null, null, null, false));
             CartoServer s = new CartoServer(kg, model(new ArrayList<>(), false), CartoServer.Options.of("127.0.0.1", 0).withDataDir(tmp.resolve("data"))).start()) {
            String base = "http://127.0.0.1:" + s.port();
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base + "/v1/translations")).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(Json.compact(Map.of("path", programs.toString(), "idiomatic", false)))).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(202, r.statusCode(), r.body());
            String id = Json.MAPPER.readTree(r.body()).path("id").asText();
            JsonNode job = null;
            for (int i = 0; i < 1200; i++) {
                job = get(base, "/v1/jobs/" + id);
                if (List.of("SUCCEEDED", "FAILED", "CANCELLED").contains(job.path("state").asText())) break;
                Thread.sleep(100);
            }
            assertEquals("SUCCEEDED", job.path("state").asText(), job.toString());
            assertEquals(1, job.path("result").path("translated").asInt());
            String repoId = job.path("result").path("repository").asText();
            assertEquals(programs.toString(), get(base, "/v1/repositories/" + repoId).path("path").asText());
            assertTrue(get(base, "/v1/repositories/" + repoId + "/definitions?name=twice").path("data").size() > 0, "the C code is queryable in the graph");
        }
    }
}
