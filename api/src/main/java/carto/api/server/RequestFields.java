package carto.api.server;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.Set;

/** Typed reads of a JSON request body's fields, each failing with a 400 that names the field and what it must be. */
final class RequestFields {
    private RequestFields() {}

    /** Refuses fields the endpoint does not know (a typo would otherwise be ignored silently). */
    static void only(JsonNode body, Set<String> allowed) {
        for (var it = body.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!allowed.contains(f)) {
                throw ApiError.badRequest("unknown field '" + f + "'; the fields are " + String.join(", ", allowed.stream().sorted().toList()), f);
            }
        }
    }

    /** A string field, or null when it is absent. */
    static String string(JsonNode body, String field) {
        JsonNode n = body.get(field);
        if (n == null || n.isNull()) return null;
        if (!n.isTextual()) throw ApiError.badRequest("'" + field + "' must be a string", field);
        return n.asText();
    }

    /** An integer field within [min, max], or {@code def} when it is absent. */
    static int integer(JsonNode body, String field, int def, int min, int max) {
        JsonNode n = body.get(field);
        if (n == null || n.isNull()) return def;
        if (!n.isIntegralNumber()) throw ApiError.badRequest("'" + field + "' must be an integer", field);
        int v = n.asInt();
        if (v < min || v > max) throw ApiError.badRequest("'" + field + "' must be between " + min + " and " + max + ", got " + v, field);
        return v;
    }
}
