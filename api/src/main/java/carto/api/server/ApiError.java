package carto.api.server;

/** An error a request handler wants answered with a given HTTP status and an OpenAI-style error body. */
public class ApiError extends RuntimeException {
    public final int status;
    public final String type;
    public final String param;

    public ApiError(int status, String type, String message, String param) {
        super(message);
        this.status = status;
        this.type = type;
        this.param = param;
    }

    public static ApiError badRequest(String message, String param) {
        return new ApiError(400, "invalid_request_error", message, param);
    }

    public static ApiError notFound(String message) {
        return new ApiError(404, "not_found", message, null);
    }
}
