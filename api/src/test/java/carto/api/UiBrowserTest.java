package carto.api;

import carto.agents.ScriptedModel;
import carto.agents.sandbox.CommandRunner;
import carto.agents.sandbox.Worktree;
import carto.api.server.CartoServer;
import carto.graph.KnowledgeGraph;
import carto.graph.TestGraph;
import carto.inference.Requirements;
import carto.inference.lm.LocalLanguageModel;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The web UI in a real browser (Debian's chromium through playwright-core) against the real
 * server: open a repository, browse, go to a definition, search, get a ghost-text completion,
 * open the graph explorer, resolve an issue with a scripted model and see the diff. Screenshots
 * of every step land in target/ui-screenshots.
 */
class UiBrowserTest {
    static final Path WEB = Path.of("..", "ui", "web").toAbsolutePath().normalize();
    static final Path CHROMIUM = Path.of(System.getenv().getOrDefault("CARTO_CHROMIUM", "/usr/bin/chromium"));
    @TempDir
    static Path tmp;
    static KnowledgeGraph kg;
    static LocalLanguageModel fim;
    static CartoServer server;
    static Path repo;

    static final String GEOMETRY = """
            import math


            class Shape:
                def area(self):
                    raise NotImplementedError


            class Circle(Shape):
                def __init__(self, r):
                    self.r = r

                def area(self):
                    return math.pi * self.r * self.r


            class Square(Shape):
                def __init__(self, side):
                    self.side = side

                def area(self):
                    return self.side * 4
            """;

    private static final Requirements NEEDS = new Requirements();

    @BeforeEach
    void needs() {
        NEEDS.assume();
    }

    @BeforeAll
    static void start() throws Exception {
        NEEDS.need(Files.isExecutable(CHROMIUM), "chromium is not installed (apt-get install chromium); the browser tests need it")
                .need(Files.isDirectory(WEB.resolve("node_modules/playwright-core")), "the UI's node_modules are missing; the ui module's build installs them")
                .need(CartoServer.class.getResource("/carto-ui/index.html") != null, "the UI bundle is not on the classpath; build the ui module first")
                .need(new CommandRunner(false).bubblewrapAvailable(), "bubblewrap is not installed: apt-get install bubblewrap");
        if (!NEEDS.met()) return;
        repo = Files.createDirectories(tmp.resolve("shapes"));
        Files.writeString(repo.resolve("geometry.py"), GEOMETRY);
        Files.writeString(repo.resolve("main.py"), """
                from geometry import Circle, Square


                def total_area(shapes):
                    s = 0
                    for c in shapes:
                        s += c.area()
                    return s


                def main():
                    print(total_area([Circle(1), Square(2)]))
                """);
        Files.writeString(repo.resolve("test_geometry.py"), "import math\nfrom geometry import Circle\n\n\ndef test_circle():\n    assert Circle(1).area() == math.pi\n");
        Worktree.git(repo, "init", "-q");
        Worktree.git(repo, "add", "-A");
        Worktree.git(repo, "-c", "user.email=t@t", "-c", "user.name=t", "commit", "-q", "-m", "base");
        kg = KnowledgeGraph.open(new KnowledgeGraph.Config(tmp.resolve("data"), TestGraph.server().boltUri(), null, null, null, false));
        fim = LocalLanguageModel.load(carto.inference.Fixtures.fixture("models/synthetic-qwen2-fim-e256-q8_0.gguf"), 2, 2048);
        server = new CartoServer(kg, fim, CartoServer.Options.of("127.0.0.1", 0).withDataDir(tmp.resolve("data"))).start();
    }

    @AfterAll
    static void stop() {
        if (server != null) server.close();
        if (fim != null) fim.close();
        if (kg != null) kg.close();
    }

    static String browse(String phase) throws IOException, InterruptedException {
        Path shots = Path.of("target", "ui-screenshots").toAbsolutePath();
        ProcessBuilder pb = new ProcessBuilder("node", "e2e/run.mjs").directory(WEB.toFile()).redirectErrorStream(true);
        pb.environment().putAll(Map.of("BASE", "http://127.0.0.1:" + server.port(), "REPO", repo.toString(), "SHOTS", shots.toString(), "PHASE", phase,
                "CHROMIUM", CHROMIUM.toString()));
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(5, TimeUnit.MINUTES), "the browser run did not finish");
        assertEquals(0, p.exitValue(), out);
        return out;
    }

    @Test
    void aDeveloperWorksThroughTheWholeUi() throws Exception {
        HttpResponse<String> page = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, page.statusCode());
        assertTrue(page.body().contains("<script type=\"module\" src=\"app.js\">"), "the page is served from the jar");

        String out = browse("workspace");
        for (String s : new String[]{"repository", "file-and-outline", "go-to-definition", "search", "ghost-text", "graph-explorer"}) {
            assertTrue(out.contains(s), out);
        }

        server.setModel(new ScriptedModel()
                .on("Classify this issue", "bug")
                .on("report_context", ScriptedModel.call("report_context", Map.of("ranges", new String[]{"geometry.py:17-22"})))
                .on("report_reproduction",
                        ScriptedModel.call("create_file", Map.of("path", "test_square.py", "content",
                                "from geometry import Square\n\n\ndef test_square_area():\n    assert Square(3).area() == 9\n")),
                        ScriptedModel.call("report_reproduction", Map.of("test_file", "test_square.py", "command", "python3 -m pytest -q -p no:cacheprovider test_square.py")))
                .on("submit_patch",
                        ScriptedModel.call("edit_file", Map.of("path", "geometry.py", "old_text", "return self.side * 4", "new_text", "return self.side * self.side")),
                        ScriptedModel.call("submit_patch", Map.of("summary", "the area of a square is its side squared"))));
        String issue = browse("issue");
        assertTrue(issue.contains("issue-diff"), issue);
        assertTrue(Files.readString(repo.resolve("geometry.py")).contains("self.side * 4"), "nothing is applied until the user asks");
    }
}
