package carto.api.server;

import carto.api.Json;
import carto.api.RunningServer;
import carto.agents.completion.GraphContext;
import carto.agents.completion.SessionManager;
import carto.graph.GraphException;
import carto.graph.KnowledgeGraph;
import carto.graph.RepositoryInfo;
import carto.graph.RepositoryNotFoundException;
import carto.inference.gguf.GgufException;
import carto.inference.lm.LanguageModel;
import carto.inference.lm.LocalLanguageModel;
import carto.inference.lm.ModelException;
import carto.inference.model.ContextOverflowException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.json.JavalinJackson;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The HTTP face of Carto: the OpenAI-compatible model API, health, and (as the other modules
 * land) the repository, job and completion-session APIs and the web UI. Errors are JSON bodies
 * that say what was wrong.
 */
public final class CartoServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(CartoServer.class);

    /**
     * How the server runs: where it listens, the API key (required beyond loopback), the largest
     * request body, the data folder (jobs, clones, worktrees; null: no job APIs), job workers,
     * completion-session memory (0: a quarter of the heap), and the sandbox opt-out.
     */
    public record Options(String host, int port, String apiKey, long maxRequestBytes, java.nio.file.Path dataDir, int workers, long sessionMemory,
                          boolean allowUnsandboxed) {
        public static Options of(String host, int port) {
            return new Options(host, port, null, 1L << 20, null, 2, 0, false);
        }

        public Options withDataDir(java.nio.file.Path d) {
            return new Options(host, port, apiKey, maxRequestBytes, d, workers, sessionMemory, allowUnsandboxed);
        }

        public Options withApiKey(String k) {
            return new Options(host, port, k, maxRequestBytes, dataDir, workers, sessionMemory, allowUnsandboxed);
        }
    }

    private final Javalin app;
    private final KnowledgeGraph graph;
    private final long sessionMemory;
    private volatile LanguageModel model;
    private SessionManager sessions;
    private final carto.api.jobs.JobQueue jobs;
    private ApiRoutes routes;
    private final Options options;

    public CartoServer(KnowledgeGraph graph, LanguageModel model, String host, int port) {
        this(graph, model, host, port, 0);
    }

    public CartoServer(KnowledgeGraph graph, LanguageModel model, String host, int port, long sessionMemory) {
        this(graph, model, new Options(host, port, null, 1L << 20, null, 2, sessionMemory, false));
    }

    public CartoServer(KnowledgeGraph graph, LanguageModel model, Options o) {
        String host = o.host();
        int port = o.port();
        if (!isLoopback(host) && (o.apiKey() == null || o.apiKey().isBlank())) {
            throw new IllegalArgumentException("listening on " + host + " exposes the API beyond this machine; give clients a key to present with --server-api-key KEY "
                    + "(or CARTO_SERVER_API_KEY), or listen on 127.0.0.1");
        }
        this.graph = graph;
        this.model = model;
        this.options = o;
        this.sessionMemory = o.sessionMemory();
        this.jobs = o.dataDir() == null ? null : new carto.api.jobs.JobQueue(new carto.api.jobs.JobStore(o.dataDir().resolve("jobs")), o.workers());
        RepositoryApi repoApi = jobs == null || graph == null ? null : new RepositoryApi(graph, jobs, () -> this.model,
                new carto.agents.resolve.IssueResolver.Config(o.dataDir().resolve("worktrees"), new carto.agents.sandbox.CommandRunner(o.allowUnsandboxed()),
                        carto.agents.sandbox.Limits.DEFAULT, carto.inference.lm.GenerationOptions.greedy(1024), 16), o.dataDir().resolve("repos"));
        JobApi jobApi = jobs == null ? null : new JobApi(jobs);
        TranslationApi translationApi = jobs == null ? null : new TranslationApi(jobs, graph, () -> this.model, o.dataDir().resolve("translations"), o.allowUnsandboxed());
        String apiKey = o.apiKey() == null || o.apiKey().isBlank() ? null : o.apiKey();
        OpenAiApi openAi = new OpenAiApi(() -> this.model);
        SessionApi sessionApi = new SessionApi(this::sessions, () -> graph == null ? null : new SessionApi.Repositories() {
            public String[] resolve(String ref) {
                RepositoryInfo r = graph.resolveRepository(ref);
                return new String[]{r.id(), r.name()};
            }

            public String fileText(String repoId, String path) {
                return graph.tools().fileContent(repoId, path);
            }
        });
        this.app = Javalin.create(cfg -> {
            cfg.startup.showJavalinBanner = false;
            cfg.startup.showOldJavalinVersionWarning = false;
            cfg.jetty.host = host;
            cfg.jetty.port = port;
            cfg.jsonMapper(new JavalinJackson(Json.MAPPER, false));
            if (CartoServer.class.getResource("/carto-ui/index.html") != null) {
                cfg.staticFiles.add(sf -> {
                    sf.hostedPath = "/";
                    sf.directory = "/carto-ui";
                    sf.location = io.javalin.http.staticfiles.Location.CLASSPATH;
                });
            }
            cfg.http.maxRequestSize = o.maxRequestBytes();
            cfg.routes.before(ctx -> {
                long len = ctx.contentLength();
                if (len > o.maxRequestBytes()) {
                    throw new ApiError(413, "request_too_large", "the request body is " + len + " bytes; the limit is " + o.maxRequestBytes()
                            + " (send less, or start the server with a larger --max-request-size)", null);
                }
                if (apiKey != null && ctx.path().startsWith("/v1/") && !authorized(ctx, apiKey)) {
                    ctx.header("WWW-Authenticate", "Bearer");
                    throw new ApiError(401, "unauthorized", "this server needs an API key: send 'Authorization: Bearer KEY' (or 'X-API-Key: KEY', or ?access_token=KEY for event streams)", null);
                }
            });
            ApiRoutes r = new ApiRoutes(cfg.routes);
            this.routes = r;
            r.tag("general");
            r.get("/health", "Liveness, the graph in use and the loaded model.", this::health);
            r.get("/openapi.json", "This document.", ctx -> ctx.json(routes.openApi("0.1.0", apiKey != null)));
            r.tag("models");
            r.post("/v1/models/load", "Load another model: a local GGUF file (path, context_length) or a remote OpenAI-compatible endpoint (remote_url, remote_model, api_key).",
                    ApiRoutes.object("path:string", "context_length:integer", "remote_url:string", "remote_model:string", "api_key:string"), this::loadModel);
            openAi.register(r);
            sessionApi.register(r);
            if (repoApi != null) repoApi.register(r);
            if (jobApi != null) jobApi.register(r);
            if (translationApi != null) translationApi.register(r);
            cfg.routes.exception(io.javalin.http.HttpResponseException.class, (e, ctx) -> {
                switch (e.getStatus()) {
                    case 404 -> error(ctx, 404, "not_found", "no endpoint " + ctx.method() + " " + ctx.path() + " (GET /openapi.json lists them)", null);
                    case 413 -> error(ctx, 413, "request_too_large", "the request body is larger than the limit of " + o.maxRequestBytes() + " bytes", null);
                    default -> error(ctx, e.getStatus(), "http_error", e.getMessage(), null);
                }
            });
            cfg.routes.exception(ApiError.class, (e, ctx) -> error(ctx, e.status, e.type, e.getMessage(), e.param));
            cfg.routes.exception(IllegalArgumentException.class, (e, ctx) -> error(ctx, 400, "invalid_request_error", e.getMessage(), null));
            cfg.routes.exception(ContextOverflowException.class, (e, ctx) -> error(ctx, 400, "context_length_exceeded", e.getMessage(), null));
            cfg.routes.exception(ModelException.class, (e, ctx) -> error(ctx, 502, "model_error", e.getMessage(), null));
            cfg.routes.exception(GgufException.class, (e, ctx) -> error(ctx, 500, "model_error", e.getMessage(), null));
            cfg.routes.exception(RepositoryNotFoundException.class, (e, ctx) -> error(ctx, 404, "repository_not_found", e.getMessage(), "repo"));
            cfg.routes.exception(GraphException.class, (e, ctx) -> error(ctx, 503, "graph_unavailable", e.getMessage(), null));
            cfg.routes.exception(SessionManager.SessionException.class, (e, ctx) -> {
                switch (e.kind) {
                    case NOT_FOUND -> error(ctx, 404, "session_not_found", e.getMessage(), null);
                    case GONE -> error(ctx, 410, "session_gone", e.getMessage(), null);
                    case TOO_LARGE -> error(ctx, 413, "session_too_large", e.getMessage(), null);
                    case BUSY -> error(ctx, 503, "sessions_busy", e.getMessage(), null);
                }
            });
            cfg.routes.exception(Exception.class, (e, ctx) -> {
                log.error("unhandled error on {} {}", ctx.method(), ctx.path(), e);
                error(ctx, 500, "internal_error", e.getClass().getSimpleName() + ": " + e.getMessage(), null);
            });
            cfg.routes.error(404, ctx -> {
                String body = ctx.result();
                if (body == null || !body.startsWith("{")) { // Javalin's plain-text "not found", not one of our JSON errors
                    error(ctx, 404, "not_found", "no endpoint " + ctx.method() + " " + ctx.path() + " (GET /openapi.json lists them)", null);
                }
            });
        });
        // translation jobs a restart interrupted carry on from their saved state
        if (translationApi != null) translationApi.resumeInterrupted();
    }

    /** POST /v1/models/load: the new model replaces the old one (completion sessions of the old one are closed). */
    private void loadModel(Context ctx) {
        com.fasterxml.jackson.databind.JsonNode b = OpenAiApi.body(ctx);
        String path = b.path("path").asText(null), url = b.path("remote_url").asText(null);
        if ((path == null || path.isBlank()) == (url == null || url.isBlank())) {
            throw ApiError.badRequest("give either 'path' (a GGUF file on the server) or 'remote_url' with 'remote_model'", "path");
        }
        LanguageModel next;
        if (path != null && !path.isBlank()) {
            java.nio.file.Path file = java.nio.file.Path.of(path);
            if (!java.nio.file.Files.isRegularFile(file)) throw ApiError.badRequest("there is no file " + path + " on the server", "path");
            int ctxLen = b.path("context_length").asInt(4096);
            next = LocalLanguageModel.load(file, Math.max(1, Runtime.getRuntime().availableProcessors()), ctxLen);
        } else {
            String name = b.path("remote_model").asText(null);
            if (name == null || name.isBlank()) throw ApiError.badRequest("'remote_url' needs 'remote_model' (the model id on that server)", "remote_model");
            java.net.URI uri;
            try {
                uri = java.net.URI.create(url);
                if (uri.getScheme() == null || !uri.getScheme().startsWith("http")) throw new IllegalArgumentException();
            } catch (IllegalArgumentException e) {
                throw ApiError.badRequest("'" + url + "' is not an http(s) URL", "remote_url");
            }
            next = new carto.inference.lm.OpenAiCompatibleModel(new carto.inference.lm.OpenAiCompatibleModel.Config(uri, b.path("api_key").asText(null), name,
                    java.time.Duration.ofSeconds(300), 3, Math.max(b.path("context_length").asInt(4096), 4096), true));
        }
        LanguageModel old = this.model;
        setModel(next);
        if (old != null && old != next) old.close();
        ctx.json(Map.of("model", next.name(), "context_length", next.contextLength(), "fim", next.supportsFim()));
    }

    static boolean isLoopback(String host) {
        return host == null || host.equals("localhost") || host.startsWith("127.") || host.equals("::1") || host.equals("[::1]");
    }

    private static boolean authorized(Context ctx, String key) {
        String auth = ctx.header("Authorization");
        String given = auth != null && auth.regionMatches(true, 0, "Bearer ", 0, 7) ? auth.substring(7).strip() : ctx.header("X-API-Key");
        // browsers cannot set headers on EventSource streams: the key may come as access_token there
        if (given == null) given = ctx.queryParam("access_token");
        return given != null && java.security.MessageDigest.isEqual(given.getBytes(java.nio.charset.StandardCharsets.UTF_8),
                key.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    /** The declared routes (what /openapi.json describes). */
    public java.util.List<ApiRoutes.Route> routes() {
        return routes.routes();
    }

    public CartoServer start() {
        app.start();
        if (announces()) {
            // commands run beside the server (carto ingest) find it here, instead of failing on the data folder's locks
            try {
                RunningServer.announce(options.dataDir(), RunningServer.localUrl(options.host(), port()), graph.neo4jUri(), options.apiKey() != null && !options.apiKey().isBlank());
            } catch (java.io.IOException e) {
                log.warn("could not write {} into {} ({}): other carto commands will not find this server", RunningServer.FILE, options.dataDir(), e.toString());
            }
        }
        return this;
    }

    /** Whether this server holds a data folder's graph and index, so other commands must come through it. */
    private boolean announces() {
        return options.dataDir() != null && graph != null;
    }

    public int port() {
        return app.port();
    }

    public synchronized void setModel(LanguageModel m) {
        this.model = m;
        if (sessions != null) {
            sessions.close();
            sessions = null;
        }
    }

    /** The completion sessions of the loaded model, created on first use; null for a remote model or none. */
    synchronized SessionManager sessions() {
        if (sessions == null && model instanceof LocalLanguageModel local) {
            var rt = Runtime.getRuntime();
            SessionManager.Config d = SessionManager.Config.defaults(rt.maxMemory());
            SessionManager.Config c = sessionMemory > 0 ? new SessionManager.Config(sessionMemory, d.defaultMode(), d.contextTokenBudget(), d.maxSessions()) : d;
            var tok = local.model().tokenizer();
            SessionManager.ContextSource ctx = graph == null ? null : (repoId, path, doc, cursor, budget) ->
                    new GraphContext(graph.tools(), text -> tok.encode(text, false, false).length)
                            .build(repoId, path, doc, cursor, GraphContext.Options.defaults(budget));
            sessions = new SessionManager(local.model(), c, ctx);
        }
        return sessions;
    }

    private void health(Context ctx) {
        Map<String, Object> h = new LinkedHashMap<>();
        h.put("status", "ok");
        h.put("graph", graph != null ? graph.location() : "none");
        LanguageModel m = model;
        h.put("model", m != null ? m.name() : null);
        ctx.json(h);
    }

    static void error(Context ctx, int status, String type, String message, String param) {
        ObjectNode root = Json.MAPPER.createObjectNode();
        ObjectNode e = root.putObject("error");
        e.put("message", message);
        e.put("type", type);
        if (param != null) e.put("param", param);
        e.put("code", status);
        ctx.status(status).json(root);
    }

    @Override
    public void close() {
        if (announces()) RunningServer.withdraw(options.dataDir());
        app.stop();
        if (jobs != null) jobs.close();
        synchronized (this) {
            if (sessions != null) sessions.close();
        }
    }
}
