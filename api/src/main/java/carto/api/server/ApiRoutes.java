package carto.api.server;

import carto.api.Json;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Handler;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The one place routes are declared: each is registered with Javalin and described (summary,
 * parameters, request body schema, whether it streams), so /openapi.json is generated from
 * exactly what the server serves.
 */
public final class ApiRoutes {
    /** A path or query parameter. */
    public record Param(String name, String in, String type, boolean required, String description) {
        public static Param path(String name, String description) {
            return new Param(name, "path", "string", true, description);
        }

        public static Param query(String name, String type, String description) {
            return new Param(name, "query", type, false, description);
        }

        public static Param requiredQuery(String name, String type, String description) {
            return new Param(name, "query", type, true, description);
        }
    }

    /** One documented route; {@code body} is a JSON Schema of the request body (null: none); {@code sse}: streams with Accept: text/event-stream. */
    public record Route(String method, String path, String tag, String summary, List<Param> params, String body, boolean sse) {}

    private final RoutesConfig routes;
    private final List<Route> all = new ArrayList<>();
    private String tag = "general";

    public ApiRoutes(RoutesConfig routes) {
        this.routes = routes;
    }

    /** Routes declared after this belong to {@code tag} in the document. */
    public ApiRoutes tag(String tag) {
        this.tag = tag;
        return this;
    }

    public ApiRoutes get(String path, String summary, Handler h, Param... params) {
        return add("get", path, summary, null, false, h, params);
    }

    public ApiRoutes getStream(String path, String summary, Handler h, Param... params) {
        return add("get", path, summary, null, true, h, params);
    }

    public ApiRoutes post(String path, String summary, String body, Handler h, Param... params) {
        return add("post", path, summary, body, false, h, params);
    }

    public ApiRoutes postStream(String path, String summary, String body, Handler h, Param... params) {
        return add("post", path, summary, body, true, h, params);
    }

    public ApiRoutes patch(String path, String summary, String body, Handler h, Param... params) {
        return add("patch", path, summary, body, false, h, params);
    }

    public ApiRoutes delete(String path, String summary, Handler h, Param... params) {
        return add("delete", path, summary, null, false, h, params);
    }

    private ApiRoutes add(String method, String path, String summary, String body, boolean sse, Handler h, Param... params) {
        switch (method) {
            case "get" -> routes.get(path, h);
            case "post" -> routes.post(path, h);
            case "patch" -> routes.patch(path, h);
            case "delete" -> routes.delete(path, h);
            default -> throw new IllegalArgumentException(method);
        }
        all.add(new Route(method, path, tag, summary, List.of(params), body, sse));
        return this;
    }

    public List<Route> routes() {
        return List.copyOf(all);
    }

    /** The OpenAPI 3.1 document of every declared route. */
    public ObjectNode openApi(String version, boolean apiKey) {
        ObjectNode doc = Json.MAPPER.createObjectNode();
        doc.put("openapi", "3.1.0");
        ObjectNode info = doc.putObject("info");
        info.put("title", "Carto API");
        info.put("version", version);
        info.put("description", "Repository knowledge graphs, issue resolution verified by tests, completion sessions and an OpenAI-compatible model API.");
        ObjectNode components = doc.putObject("components");
        ObjectNode error = components.putObject("schemas").putObject("Error");
        error.put("type", "object");
        ObjectNode ep = error.putObject("properties").putObject("error");
        ep.put("type", "object");
        ObjectNode eprops = ep.putObject("properties");
        eprops.putObject("message").put("type", "string");
        eprops.putObject("type").put("type", "string");
        eprops.putObject("param").put("type", "string");
        eprops.putObject("code").put("type", "integer");
        if (apiKey) {
            ObjectNode s = components.putObject("securitySchemes").putObject("bearer");
            s.put("type", "http");
            s.put("scheme", "bearer");
        }
        ObjectNode paths = doc.putObject("paths");
        Map<String, ObjectNode> byPath = new LinkedHashMap<>();
        for (Route r : all) {
            ObjectNode p = byPath.computeIfAbsent(r.path(), k -> paths.putObject(k));
            ObjectNode op = p.putObject(r.method());
            op.put("summary", r.summary());
            op.put("operationId", operationId(r));
            op.putArray("tags").add(r.tag());
            if (!r.params().isEmpty()) {
                ArrayNode ps = op.putArray("parameters");
                for (Param x : r.params()) {
                    ObjectNode q = ps.addObject();
                    q.put("name", x.name());
                    q.put("in", x.in());
                    q.put("required", x.required());
                    q.put("description", x.description());
                    q.putObject("schema").put("type", x.type());
                }
            }
            if (r.body() != null) {
                ObjectNode rb = op.putObject("requestBody");
                rb.put("required", true);
                rb.putObject("content").putObject("application/json").set("schema", parse(r.body()));
            }
            ObjectNode responses = op.putObject("responses");
            ObjectNode ok = responses.putObject(r.method().equals("delete") ? "204" : r.method().equals("post") && r.path().endsWith("/issues")
                    || r.path().equals("/v1/repositories") && r.method().equals("post") ? "202" : "200");
            ok.put("description", "success");
            ObjectNode content = ok.putObject("content");
            content.putObject("application/json");
            if (r.sse()) content.putObject("text/event-stream").put("description", "sent when the request has Accept: text/event-stream");
            ObjectNode bad = responses.putObject("default");
            bad.put("description", "an error with a message saying what to do");
            bad.putObject("content").putObject("application/json").putObject("schema").put("$ref", "#/components/schemas/Error");
            if (apiKey && r.path().startsWith("/v1/")) op.putArray("security").addObject().putArray("bearer");
        }
        return doc;
    }

    private static String operationId(Route r) {
        StringBuilder sb = new StringBuilder(r.method());
        for (String part : r.path().split("/")) {
            if (part.isEmpty() || part.equals("v1")) continue;
            String w = part.startsWith("{") ? "By" + part.substring(1, part.length() - 1) : part;
            for (String x : w.split("[_.-]")) if (!x.isEmpty()) sb.append(Character.toUpperCase(x.charAt(0))).append(x.substring(1));
        }
        return sb.toString();
    }

    private static JsonNode parse(String schema) {
        try {
            return Json.MAPPER.readTree(schema);
        } catch (Exception e) {
            throw new IllegalStateException("bad schema: " + schema, e);
        }
    }

    /** A small schema builder: {@code object("path:string!", "limit:integer")} ('!' marks required). */
    public static String object(String... fields) {
        ObjectNode o = Json.MAPPER.createObjectNode();
        o.put("type", "object");
        ObjectNode props = o.putObject("properties");
        ArrayNode req = Json.MAPPER.createArrayNode();
        for (String f : fields) {
            boolean required = f.endsWith("!");
            String x = required ? f.substring(0, f.length() - 1) : f;
            String name = x.substring(0, x.indexOf(':'));
            String type = x.substring(x.indexOf(':') + 1).toLowerCase(Locale.ROOT);
            ObjectNode p = props.putObject(name);
            if (type.endsWith("[]")) {
                p.put("type", "array");
                p.putObject("items").put("type", type.substring(0, type.length() - 2));
            } else p.put("type", type);
            if (required) req.add(name);
        }
        if (!req.isEmpty()) o.set("required", req);
        return o.toString();
    }
}
