package carto.api.cli;

import carto.inference.lm.LanguageModel;
import carto.inference.lm.LocalLanguageModel;
import carto.inference.lm.OpenAiCompatibleModel;
import carto.inference.tensor.Workers;
import picocli.CommandLine.Option;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;

/** Which model to use: a local GGUF file, or an OpenAI-compatible server. */
public final class ModelOptions {
    @Option(names = "--model", paramLabel = "FILE", description = "GGUF model file to run in-process. Env: CARTO_MODEL.")
    Path model;

    @Option(names = "--remote-url", paramLabel = "URL", description = "OpenAI-compatible server (e.g. http://localhost:8080/v1, https://api.deepseek.com). Env: CARTO_REMOTE_URL.")
    String remoteUrl;

    @Option(names = "--remote-model", paramLabel = "NAME", description = "Model name on the remote server. Env: CARTO_REMOTE_MODEL.")
    String remoteModel;

    @Option(names = "--api-key", paramLabel = "KEY", description = "API key for the remote server. Env: CARTO_API_KEY.")
    String apiKey;

    @Option(names = "--ctx", paramLabel = "N", description = "Context window in tokens for a local model (default: ${DEFAULT-VALUE}).", defaultValue = "4096")
    int ctx;

    @Option(names = "--threads", paramLabel = "N", description = "Inference threads (default: all cores).")
    Integer threads;

    public int threads() {
        return threads != null ? threads : Workers.defaultThreads();
    }

    public boolean configured() {
        return model != null || env("CARTO_MODEL") != null || remoteUrl != null || env("CARTO_REMOTE_URL") != null;
    }

    static String env(String name) {
        String v = System.getenv(name);
        return v == null || v.isBlank() ? null : v;
    }

    /** Fails with how to configure a model when none is, naming what needed it. */
    public void require(String what) {
        if (!configured()) throw new IllegalArgumentException(what + " needs a model: --model FILE.gguf or --remote-url URL --remote-model NAME");
    }

    /** Opens the configured model, or explains how to configure one. */
    public LanguageModel open() {
        Path file = model != null ? model : env("CARTO_MODEL") != null ? Path.of(env("CARTO_MODEL")) : null;
        String url = remoteUrl != null ? remoteUrl : env("CARTO_REMOTE_URL");
        if (file != null && url != null) throw new IllegalArgumentException("give either --model (local) or --remote-url (remote), not both");
        if (file != null) return LocalLanguageModel.load(file, threads(), ctx);
        if (url != null) {
            String name = remoteModel != null ? remoteModel : env("CARTO_REMOTE_MODEL");
            if (name == null) throw new IllegalArgumentException("--remote-url needs --remote-model NAME (the model id on that server)");
            String key = apiKey != null ? apiKey : env("CARTO_API_KEY");
            return new OpenAiCompatibleModel(new OpenAiCompatibleModel.Config(URI.create(url), key, name, Duration.ofSeconds(300), 3, Math.max(ctx, 4096), true));
        }
        throw new IllegalArgumentException("no model configured: pass --model FILE.gguf (local) or --remote-url URL --remote-model NAME "
                + "(OpenAI-compatible server); get a model with: carto model pull qwen2.5-coder-0.5b-instruct-q8_0");
    }
}
