package com.cryptomaltese.gateway.api;

import java.time.Duration;
import java.util.List;

/**
 * A failure the caller should see as it is: an HTTP status, a sentence, and the fields at fault.
 * Thrown by any feature; translated into the wire format once, by {@link ApiErrorResponder}.
 */
public class ApiException extends RuntimeException {

    private final int status;
    private final List<FieldProblem> details;
    private final Duration retryAfter;

    public ApiException(int status, String message, List<FieldProblem> details, Duration retryAfter) {
        super(message);
        this.status = status;
        this.details = List.copyOf(details);
        this.retryAfter = retryAfter;
    }

    public static ApiException badRequest(List<FieldProblem> problems) {
        String message = problems.size() == 1
                ? "invalid request: " + problems.get(0).field() + " " + problems.get(0).problem()
                : "invalid request: " + problems.size() + " problems";
        return new ApiException(400, message, problems, null);
    }

    public static ApiException badRequest(String field, String problem) {
        return badRequest(List.of(new FieldProblem(field, problem)));
    }

    public static ApiException notFound(String message) {
        return new ApiException(404, message, List.of(), null);
    }

    public static ApiException conflict(String message) {
        return new ApiException(409, message, List.of(), null);
    }

    public static ApiException unavailable(String message, Duration retryAfter) {
        return new ApiException(503, message, List.of(), retryAfter);
    }

    public int status() {
        return status;
    }

    public List<FieldProblem> details() {
        return details;
    }

    /** Sent as {@code Retry-After} when the condition is expected to pass; null otherwise. */
    public Duration retryAfter() {
        return retryAfter;
    }

    /** The API failure in {@code failure}'s cause chain (Camel wraps those of type conversion and bean binding), or null. */
    public static ApiException in(Throwable failure) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            if (cause instanceof ApiException api) {
                return api;
            }
        }
        return null;
    }
}
