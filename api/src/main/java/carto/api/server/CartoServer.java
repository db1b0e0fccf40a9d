package carto.api.server;

import carto.api.Json;
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

    private final Javalin app;
    private final KnowledgeGraph graph;
    private final long sessionMemory;
    private volatile LanguageModel model;
    private SessionManager sessions;

    public CartoServer(KnowledgeGraph graph, LanguageModel model, String host, int port) {
        this(graph, model, host, port, 0);
    }

    /** {@code sessionMemory}: bytes all completion sessions' caches may take (0: a quarter of the heap). */
    public CartoServer(KnowledgeGraph graph, LanguageModel model, String host, int port, long sessionMemory) {
        this.graph = graph;
        this.model = model;
        this.sessionMemory = sessionMemory;
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
            cfg.routes.get("/health", this::health);
            openAi.register(cfg.routes);
            sessionApi.register(cfg.routes);
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
                    error(ctx, 404, "not_found", "no endpoint " + ctx.method() + " " + ctx.path(), null);
                }
            });
        });
    }

    public CartoServer start() {
        app.start();
        return this;
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
        app.stop();
        synchronized (this) {
            if (sessions != null) sessions.close();
        }
    }
}
