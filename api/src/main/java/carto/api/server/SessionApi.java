package carto.api.server;

import carto.agents.completion.SessionManager;
import carto.api.Json;
import carto.inference.fim.CompletionSession;
import carto.inference.kv.EditableCache;
import carto.inference.lm.CancelToken;
import carto.inference.lm.GenerationOptions;
import carto.inference.lm.TokenSink;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.http.Context;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Supplier;

/**
 * Completion sessions over HTTP: {@code POST /v1/sessions} opens a document (its text, or a file
 * of an ingested repository), {@code PATCH /v1/sessions/{id}} applies edits, {@code POST
 * /v1/sessions/{id}/complete} completes at a cursor (JSON, or an SSE stream when the client sends
 * {@code Accept: text/event-stream}), {@code GET} shows sessions, {@code DELETE} closes one.
 * Positions are UTF-16 offsets ({@code cursor}, {@code start}/{@code end}) or LSP-style
 * {@code {line, character}} (zero-based).
 */
public final class SessionApi {
    /** Resolves what a session request names: repository (id or name), and a repository file's text. */
    public interface Repositories {
        /** [id, name] of the repository {@code ref} names. */
        String[] resolve(String ref);

        String fileText(String repoId, String path);
    }

    private final Supplier<SessionManager> sessions;
    private final Supplier<Repositories> repositories;

    public SessionApi(Supplier<SessionManager> sessions, Supplier<Repositories> repositories) {
        this.sessions = sessions;
        this.repositories = repositories;
    }

    public void register(ApiRoutes r) {
        ApiRoutes.Param id = ApiRoutes.Param.path("id", "session id");
        r.tag("completion");
        r.post("/v1/sessions", "Open a completion session on a document (optionally a file of an ingested repository).",
                ApiRoutes.object("text:string", "repo:string", "path:string", "mode:string", "context_length:integer"), this::open);
        r.get("/v1/sessions", "Open completion sessions and the cache memory they use.", ctx -> {
            ObjectNode root = Json.MAPPER.createObjectNode();
            root.put("object", "list");
            var data = root.putArray("data");
            SessionManager m = manager();
            m.list().forEach(i -> data.add(Json.MAPPER.valueToTree(i)));
            root.put("cache_bytes_used", m.usedBytes());
            root.put("cache_bytes_limit", m.config().maxCacheBytes());
            ctx.json(root);
        });
        r.get("/v1/sessions/{id}", "One session.", ctx -> ctx.json(manager().info(ctx.pathParam("id"))), id);
        r.patch("/v1/sessions/{id}", "Apply edits (LSP ranges) to the session's document; the KV cache follows with PIE.",
                ApiRoutes.object("edits:object[]!"), this::edit, id);
        r.postStream("/v1/sessions/{id}/complete", "Complete at the cursor (SSE with Accept: text/event-stream).",
                ApiRoutes.object("cursor:object", "position:integer", "max_tokens:integer", "temperature:number"), this::complete, id);
        r.delete("/v1/sessions/{id}", "Close a session.", ctx -> {
            manager().close(ctx.pathParam("id"));
            ctx.status(204);
        }, id);
    }

    private SessionManager manager() {
        SessionManager m = sessions.get();
        if (m == null) {
            throw new ApiError(503, "model_not_loaded", "completion sessions need a local GGUF model with fill-in-the-middle tokens; "
                    + "start carto serve with --model FILE.gguf (a remote model has no KV cache Carto can edit)", null);
        }
        return m;
    }

    private void open(Context ctx) {
        JsonNode b = OpenAiApi.body(ctx);
        SessionManager m = manager();
        String wantModel = RequestFields.string(b, "model");
        if (wantModel != null && !wantModel.equals(m.model().config().name()) && !wantModel.equals(m.model().file().path().getFileName().toString())) {
            throw new ApiError(404, "model_not_found", "model '" + wantModel + "' is not loaded; this server runs '" + m.model().config().name() + "'", "model");
        }
        String path = RequestFields.string(b, "path") != null ? RequestFields.string(b, "path") : RequestFields.string(b, "file");
        String repoRef = RequestFields.string(b, "repo");
        String repoId = null, repoName = null;
        if (repoRef != null) {
            Repositories repos = repositories.get();
            if (repos == null) throw ApiError.badRequest("this server has no knowledge graph; open the session without 'repo'", "repo");
            String[] idName = repos.resolve(repoRef);
            repoId = idName[0];
            repoName = idName[1];
        }
        String text = RequestFields.string(b, "text");
        if (text == null) {
            if (repoId == null || path == null) {
                throw ApiError.badRequest("give the document as 'text', or name a file of an ingested repository with 'repo' and 'path'", "text");
            }
            text = repositories.get().fileText(repoId, path);
        }
        int cursor = b.has("cursor") || b.has("position") ? position(b, "cursor", "position", text) : text.length();
        EditableCache.Mode mode = mode(b);
        int capacity = b.path("context_length").asInt(0);
        if (capacity < 0) throw ApiError.badRequest("'context_length' must be positive (or omitted to size the cache from the document)", "context_length");
        SessionManager.Info info = m.open(new SessionManager.OpenRequest(text, cursor, path, repoId, repoName, mode, capacity));
        ctx.status(201).json(info);
    }

    private static EditableCache.Mode mode(JsonNode b) {
        String s = RequestFields.string(b, "mode");
        if (s == null) return null;
        try {
            return EditableCache.Mode.valueOf(s.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw ApiError.badRequest("unknown mode '" + s + "'; use pie, exact or splice", "mode");
        }
    }

    private void edit(Context ctx) {
        JsonNode b = OpenAiApi.body(ctx);
        JsonNode list = b.get("edits");
        if (list == null || !list.isArray()) throw ApiError.badRequest("'edits' must be a list of {start, end, text} or {range, text}", "edits");
        SessionManager m = manager();
        String id = ctx.pathParam("id");
        SessionManager.EditResult r = m.edit(id, current -> {
            // LSP positions are resolved against the document each edit sees
            String doc = current;
            List<CompletionSession.TextEdit> edits = new ArrayList<>();
            for (int i = 0; i < list.size(); i++) {
                JsonNode e = list.get(i);
                if (!e.isObject()) throw ApiError.badRequest("edit " + i + " is not an object", "edits");
                int start, end;
                if (e.has("range")) {
                    JsonNode range = e.get("range");
                    start = lineChar(range.get("start"), doc, "edits[" + i + "].range.start");
                    end = lineChar(range.get("end"), doc, "edits[" + i + "].range.end");
                } else {
                    if (!e.has("start")) throw ApiError.badRequest("edit " + i + " needs 'start' (and 'end') offsets or a 'range'", "edits");
                    start = intField(e, "start", "edits[" + i + "].start");
                    end = e.has("end") ? intField(e, "end", "edits[" + i + "].end") : start;
                }
                JsonNode t = e.get("text");
                if (t != null && !t.isNull() && !t.isTextual()) throw ApiError.badRequest("edit " + i + ": 'text' must be a string", "edits");
                String text = t == null || t.isNull() ? "" : t.asText();
                edits.add(new CompletionSession.TextEdit(start, end, text));
                if (start >= 0 && end >= start && end <= doc.length()) doc = doc.substring(0, start) + text + doc.substring(end);
            }
            return edits;
        });
        ObjectNode out = Json.MAPPER.valueToTree(r.session());
        ObjectNode u = out.putObject("update");
        u.put("mode", r.stats().mode().name().toLowerCase(Locale.ROOT));
        u.put("millis", Math.round(r.stats().millis() * 1000) / 1000.0);
        u.put("tokens_encoded", r.stats().reencoded());
        u.put("tokens_moved", r.stats().moved());
        u.put("tokens_rerotated", r.stats().rotated());
        ctx.json(out);
    }

    private void complete(Context ctx) throws IOException {
        JsonNode b = ctx.body().isBlank() ? Json.MAPPER.createObjectNode() : OpenAiApi.body(ctx);
        SessionManager m = manager();
        String id = ctx.pathParam("id");
        boolean at = b.has("cursor") || b.has("position");
        java.util.function.ToIntFunction<String> cursor = doc -> at ? position(b, "cursor", "position", doc) : -1;
        // an editor's completion: greedy and short unless asked otherwise
        GenerationOptions o = OpenAiApi.options(b, 64, 0.0);
        String accept = ctx.header("Accept");
        boolean sse = accept != null && accept.contains("text/event-stream");
        CancelToken cancel = new CancelToken();
        if (!sse) {
            SessionManager.CompleteResult r = m.complete(id, cursor, o, TokenSink.NONE, cancel);
            ctx.json(result(id, r));
            return;
        }
        ctx.status(200);
        ctx.contentType("text/event-stream");
        ctx.header("Cache-Control", "no-cache");
        ctx.header("X-Accel-Buffering", "no");
        OutputStream out = ctx.outputStream();
        try {
            SessionManager.CompleteResult r = m.complete(id, cursor, o, text -> {
                ObjectNode d = Json.MAPPER.createObjectNode();
                d.put("text", text);
                send(out, "delta", d, cancel);
            }, cancel);
            if (!cancel.isCancelled()) send(out, "done", result(id, r), cancel);
        } catch (RuntimeException e) {
            // the status line is sent: report the failure as an event
            ObjectNode err = Json.MAPPER.createObjectNode();
            err.put("message", e.getMessage());
            err.put("type", e.getClass().getSimpleName());
            send(out, "error", err, cancel);
        }
    }

    private static ObjectNode result(String id, SessionManager.CompleteResult r) {
        ObjectNode n = Json.MAPPER.createObjectNode();
        n.put("id", id);
        n.put("text", r.result().text());
        n.put("finish_reason", r.result().finishReason().wireName());
        n.put("generated_tokens", r.result().generated());
        n.put("context_files", r.contextFiles());
        ObjectNode t = n.putObject("timings");
        t.put("context_ms", round(r.contextMillis()));
        t.put("update_ms", round(r.result().updateMillis()));
        t.put("first_token_ms", round(r.result().firstTokenMillis()));
        t.put("total_ms", round(r.result().totalMillis()));
        return n;
    }

    private static double round(double v) {
        return Math.round(v * 1000) / 1000.0;
    }

    private static void send(OutputStream out, String event, ObjectNode data, CancelToken cancel) {
        if (cancel.isCancelled()) return;
        try {
            out.write(("event: " + event + "\ndata: " + Json.compact(data) + "\n\n").getBytes(StandardCharsets.UTF_8));
            out.flush();
        } catch (IOException e) {
            cancel.cancel(); // the client went away: stop generating
        }
    }

    private static int intField(JsonNode n, String field, String name) {
        JsonNode v = n.get(field);
        if (v == null || !v.canConvertToInt() || !v.isIntegralNumber()) throw ApiError.badRequest("'" + name + "' must be an integer", name);
        return v.asInt();
    }

    /** An offset field, or an LSP {line, character} field, resolved against {@code doc}. */
    private static int position(JsonNode b, String offsetField, String lspField, String doc) {
        if (b.has(lspField)) return lineChar(b.get(lspField), doc, lspField);
        return intField(b, offsetField, offsetField);
    }

    /** Zero-based line and UTF-16 character, as LSP sends them; a character past the line's end means its end. */
    static int lineChar(JsonNode p, String doc, String name) {
        if (p == null || !p.isObject()) throw ApiError.badRequest("'" + name + "' must be {\"line\": L, \"character\": C}", name);
        int line = intField(p, "line", name + ".line"), ch = intField(p, "character", name + ".character");
        if (line < 0 || ch < 0) throw ApiError.badRequest("'" + name + "' has a negative line or character", name);
        int start = 0;
        for (int l = 0; l < line; l++) {
            int nl = doc.indexOf('\n', start);
            if (nl < 0) {
                throw ApiError.badRequest("'" + name + "': line " + line + " is past the end of the document (" + (l + 1) + " lines, counted from 0)", name);
            }
            start = nl + 1;
        }
        int end = doc.indexOf('\n', start);
        if (end < 0) end = doc.length();
        return Math.min(start + ch, end);
    }
}
