package carto.inference.download;

import carto.inference.Fixtures;
import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Downloads from a loopback HTTP server that honours Range requests and can break off mid-file. */
class ModelDownloaderTest {
    @TempDir
    Path dir;

    @Test
    void resumesAnInterruptedDownloadAndChecksTheHash() throws Exception {
        byte[] model = Files.readAllBytes(Fixtures.fixture("models/stories260K-q8_0.gguf"));
        String sha = ModelDownloader.sha256(Fixtures.fixture("models/stories260K-q8_0.gguf"));
        AtomicInteger requests = new AtomicInteger();
        List<String> ranges = new ArrayList<>();
        // a raw socket server, so the first transfer can really break off mid-body
        ServerSocket server = new ServerSocket(0, 10, InetAddress.getLoopbackAddress());
        Thread serving = new Thread(() -> {
            while (!server.isClosed()) {
                try (Socket sock = server.accept()) {
                    int n = requests.incrementAndGet();
                    var reader = new java.io.BufferedReader(new java.io.InputStreamReader(sock.getInputStream(), java.nio.charset.StandardCharsets.ISO_8859_1));
                    String line, range = null;
                    while ((line = reader.readLine()) != null && !line.isEmpty()) {
                        if (line.toLowerCase().startsWith("range:")) range = line.substring(6).strip();
                    }
                    ranges.add(String.valueOf(range));
                    int from = range == null ? 0 : Integer.parseInt(range.replaceAll("bytes=(\\d+)-.*", "$1"));
                    OutputStream out = sock.getOutputStream();
                    String head = range == null
                            ? "HTTP/1.1 200 OK\r\nContent-Length: " + model.length + "\r\n\r\n"
                            : "HTTP/1.1 206 Partial Content\r\nContent-Length: " + (model.length - from) + "\r\nContent-Range: bytes " + from + "-"
                              + (model.length - 1) + "/" + model.length + "\r\n\r\n";
                    out.write(head.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
                    int end = n == 1 ? model.length / 3 : model.length;
                    out.write(model, from, end - from);
                    out.flush();
                } catch (IOException e) {
                    // closed
                }
            }
        });
        serving.setDaemon(true);
        serving.start();
        try {
            String url = "http://127.0.0.1:" + server.getLocalPort() + "/models/stories.gguf";
            ModelDownloader d = new ModelDownloader(null);
            ModelDownloader.Source src = ModelDownloader.resolve(url, sha);
            IOException first = assertThrows(IOException.class, () -> d.pull(src, dir, null));
            assertTrue(first.getMessage().contains("run the same command again to resume"), first.getMessage());
            assertTrue(Files.size(dir.resolve("stories.gguf.part")) > 0);
            long[] last = {0, 0};
            Path got = d.pull(src, dir, (done, total) -> { last[0] = done; last[1] = total; });
            assertArrayEquals(model, Files.readAllBytes(got));
            assertEquals(model.length, last[0]);
            assertEquals(model.length, last[1]);
            assertTrue(ranges.get(1).startsWith("bytes="), "second request resumes with a Range header: " + ranges);
            assertFalse(Files.exists(dir.resolve("stories.gguf.part")));
            assertEquals(got, d.pull(src, dir, null), "a complete file is not downloaded again");
            assertEquals(2, requests.get());

            Path other = dir.resolve("other");
            IOException bad = assertThrows(IOException.class, () -> d.pull(ModelDownloader.resolve(url, "00".repeat(32)), other, null));
            assertTrue(bad.getMessage().contains("SHA-256 mismatch"), bad.getMessage());
        } finally {
            server.close();
        }
    }

    @Test
    void unknownNamesAndHttpErrorsAreExplained() throws Exception {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ModelDownloader.resolve("gpt-5", null));
        assertTrue(e.getMessage().contains("qwen2.5-coder-0.5b-instruct-q8_0"), e.getMessage());
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", ex -> { ex.sendResponseHeaders(403, -1); ex.close(); });
        server.start();
        try {
            String url = "http://127.0.0.1:" + server.getAddress().getPort() + "/gated.gguf";
            IOException io = assertThrows(IOException.class, () -> new ModelDownloader(null).pull(ModelDownloader.resolve(url, null), dir, null));
            assertTrue(io.getMessage().contains("HTTP 403") && io.getMessage().contains("HF_TOKEN"), io.getMessage());
        } finally {
            server.stop(0);
        }
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", ex -> {
            byte[] html = "<html>not a model</html>".getBytes();
            ex.sendResponseHeaders(200, html.length);
            ex.getResponseBody().write(html);
            ex.close();
        });
        server.start();
        try {
            String url = "http://127.0.0.1:" + server.getAddress().getPort() + "/page.gguf";
            IOException io = assertThrows(IOException.class, () -> new ModelDownloader(null).pull(ModelDownloader.resolve(url, null), dir, null));
            assertTrue(io.getMessage().contains("not a usable GGUF model"), io.getMessage());
        } finally {
            server.stop(0);
        }
    }
}
