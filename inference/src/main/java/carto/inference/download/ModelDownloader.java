package carto.inference.download;

import carto.inference.gguf.GgufException;
import carto.inference.gguf.GgufFile;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Downloads GGUF models: by registry name or URL, resuming a partial download with an HTTP
 * Range request, checking the SHA-256 when one is known, and verifying that the result opens as
 * a GGUF file before it takes its final name.
 */
public final class ModelDownloader {
    /** A downloadable model. {@code sha256} may be null when the publisher gives none. */
    public record Source(String name, URI url, String fileName, String sha256) {}

    /** Progress: bytes so far and total (-1 when the server does not say). */
    @FunctionalInterface
    public interface Progress {
        void update(long done, long total);
    }

    /** Well-known code models (Hugging Face); pass a URL for anything else. */
    public static final Map<String, Source> REGISTRY = new LinkedHashMap<>();

    static {
        hf("qwen2.5-coder-0.5b-instruct-q8_0", "Qwen/Qwen2.5-Coder-0.5B-Instruct-GGUF", "qwen2.5-coder-0.5b-instruct-q8_0.gguf");
        hf("qwen2.5-coder-0.5b-instruct-q4_k_m", "Qwen/Qwen2.5-Coder-0.5B-Instruct-GGUF", "qwen2.5-coder-0.5b-instruct-q4_k_m.gguf");
        hf("qwen2.5-coder-1.5b-instruct-q4_k_m", "Qwen/Qwen2.5-Coder-1.5B-Instruct-GGUF", "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf");
        hf("qwen2.5-coder-1.5b-q8_0", "Qwen/Qwen2.5-Coder-1.5B-GGUF", "qwen2.5-coder-1.5b-q8_0.gguf");
        hf("qwen2.5-coder-7b-instruct-q4_k_m", "Qwen/Qwen2.5-Coder-7B-Instruct-GGUF", "qwen2.5-coder-7b-instruct-q4_k_m.gguf");
        hf("deepseek-coder-1.3b-instruct-q8_0", "TheBloke/deepseek-coder-1.3b-instruct-GGUF", "deepseek-coder-1.3b-instruct.Q8_0.gguf");
        hf("deepseek-coder-1.3b-base-q8_0", "TheBloke/deepseek-coder-1.3b-base-GGUF", "deepseek-coder-1.3b-base.Q8_0.gguf");
        hf("codellama-7b-q4_k_m", "TheBloke/CodeLlama-7B-GGUF", "codellama-7b.Q4_K_M.gguf");
        hf("tinyllama-1.1b-chat-q8_0", "TheBloke/TinyLlama-1.1B-Chat-v1.0-GGUF", "tinyllama-1.1b-chat-v1.0.Q8_0.gguf");
    }

    private static void hf(String name, String repo, String file) {
        REGISTRY.put(name, new Source(name, URI.create("https://huggingface.co/" + repo + "/resolve/main/" + file), file, null));
    }

    private final HttpClient http;
    private final String token;

    public ModelDownloader(String bearerToken) {
        this.token = bearerToken;
        this.http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NORMAL).connectTimeout(Duration.ofSeconds(20)).build();
    }

    /** A registry entry, or a source for a URL (http, https or file). */
    public static Source resolve(String nameOrUrl, String sha256) {
        Source s = REGISTRY.get(nameOrUrl);
        if (s != null) return new Source(s.name(), s.url(), s.fileName(), sha256 != null ? sha256 : s.sha256());
        if (nameOrUrl.startsWith("http://") || nameOrUrl.startsWith("https://")) {
            URI u = URI.create(nameOrUrl);
            String path = u.getPath();
            String file = path.substring(path.lastIndexOf('/') + 1);
            if (file.isEmpty()) throw new IllegalArgumentException("URL " + nameOrUrl + " does not end in a file name");
            return new Source(file, u, file, sha256);
        }
        throw new IllegalArgumentException("unknown model '" + nameOrUrl + "'. Give an http(s) URL of a GGUF file or one of: "
                + String.join(", ", REGISTRY.keySet()));
    }

    /** Downloads into {@code dir}; returns the final path. An existing complete file is kept. */
    public Path pull(Source s, Path dir, Progress progress) throws IOException {
        Files.createDirectories(dir);
        Path target = dir.resolve(s.fileName());
        Path part = dir.resolve(s.fileName() + ".part");
        if (Files.exists(target)) {
            if (s.sha256() == null || s.sha256().equalsIgnoreCase(sha256(target))) return target;
            throw new IOException(target + " exists but its SHA-256 differs from " + s.sha256() + "; delete it to download again");
        }
        long have = Files.exists(part) ? Files.size(part) : 0;
        HttpRequest.Builder rb = HttpRequest.newBuilder(s.url()).timeout(Duration.ofMinutes(30)).GET();
        if (token != null && !token.isBlank()) rb.header("Authorization", "Bearer " + token);
        if (have > 0) rb.header("Range", "bytes=" + have + "-");
        HttpResponse<InputStream> resp;
        try {
            resp = http.send(rb.build(), HttpResponse.BodyHandlers.ofInputStream());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("download interrupted", e);
        } catch (IOException e) {
            throw new IOException("cannot reach " + s.url() + " (" + e.getClass().getSimpleName() + (e.getMessage() != null ? ": " + e.getMessage() : "")
                    + "); check the network, or download the file yourself and pass its path", e);
        }
        int status = resp.statusCode();
        boolean append;
        long total;
        if (status == 206) {
            append = true;
            total = resp.headers().firstValue("Content-Range").map(ModelDownloader::totalFromRange).orElse(-1L);
        } else if (status == 200) {
            append = false;
            have = 0;
            total = resp.headers().firstValueAsLong("Content-Length").orElse(-1L);
        } else if (status == 416 && have > 0) {
            resp.body().close();
            append = true;
            total = have;
        } else {
            resp.body().close();
            String hint = status == 401 || status == 403 ? "; the model may be gated: set HF_TOKEN to an access token" : "";
            throw new IOException("download of " + s.url() + " failed with HTTP " + status + hint);
        }
        try (InputStream in = resp.body();
             OutputStream out = Files.newOutputStream(part, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                     append ? StandardOpenOption.APPEND : StandardOpenOption.TRUNCATE_EXISTING)) {
            byte[] buf = new byte[1 << 16];
            long done = have;
            int n;
            while ((n = in.read(buf)) > 0) {
                out.write(buf, 0, n);
                done += n;
                if (progress != null) progress.update(done, total);
            }
        } catch (IOException e) {
            throw new IOException("download of " + s.url() + " broke off after " + Files.size(part) + " bytes (" + e.getMessage()
                    + "); run the same command again to resume", e);
        }
        long size = Files.size(part);
        if (total > 0 && size != total) {
            throw new IOException("download of " + s.url() + " stopped at " + size + " of " + total + " bytes; run the same command again to resume");
        }
        if (s.sha256() != null) {
            String got = sha256(part);
            if (!got.equalsIgnoreCase(s.sha256())) {
                Files.delete(part);
                throw new IOException("SHA-256 mismatch for " + s.fileName() + ": expected " + s.sha256() + ", got " + got
                        + ". The partial file was deleted; run the command again");
            }
        }
        try (GgufFile f = GgufFile.open(part)) {
            f.tensors();
        } catch (GgufException e) {
            throw new IOException("downloaded " + s.url() + " but it is not a usable GGUF model: " + e.getMessage(), e);
        }
        Files.move(part, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        return target;
    }

    private static long totalFromRange(String contentRange) {
        int slash = contentRange.lastIndexOf('/');
        try {
            return slash < 0 ? -1 : Long.parseLong(contentRange.substring(slash + 1).strip());
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    public static String sha256(Path p) throws IOException {
        try (InputStream in = Files.newInputStream(p)) {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            byte[] buf = new byte[1 << 16];
            int n;
            while ((n = in.read(buf)) > 0) md.update(buf, 0, n);
            return HexFormat.of().formatHex(md.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
