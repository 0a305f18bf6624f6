package com.cryptomaltese.gateway.api;

import java.util.List;

import jakarta.servlet.RequestDispatcher;
import jakarta.servlet.http.HttpServletRequest;
import org.springframework.boot.availability.ApplicationAvailability;
import org.springframework.boot.availability.ReadinessState;
import org.springframework.boot.web.servlet.error.ErrorController;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * Errors raised before a request reaches a route (unknown path, wrong method, wrong content type)
 * in the API's own error shape instead of the servlet container's.
 */
@RestController
class FallbackErrorController implements ErrorController {

    private final ApplicationAvailability availability;

    FallbackErrorController(ApplicationAvailability availability) {
        this.availability = availability;
    }

    @RequestMapping("/error")
    ResponseEntity<ErrorBody> error(HttpServletRequest request) {
        Object code = request.getAttribute(RequestDispatcher.ERROR_STATUS_CODE);
        if (code == null) {
            // /error asked for by a client, not forwarded to by the container: a path like any other
            return ResponseEntity.status(HttpStatus.NOT_FOUND).contentType(MediaType.APPLICATION_JSON)
                    .body(ErrorBody.of("no such endpoint: " + request.getRequestURI(), List.of()));
        }
        HttpStatus status = code instanceof Integer c && HttpStatus.resolve(c) != null
                ? HttpStatus.valueOf(c) : HttpStatus.INTERNAL_SERVER_ERROR;
        Object uri = request.getAttribute(RequestDispatcher.ERROR_REQUEST_URI);
        // The web server listens a few seconds before the API's routes exist (and after they stop):
        // a path that will be there is "not ready, retry", not "no such endpoint".
        if (status == HttpStatus.NOT_FOUND && availability.getReadinessState() != ReadinessState.ACCEPTING_TRAFFIC
                && String.valueOf(uri).startsWith("/api/")) {
            return ResponseEntity.status(HttpStatus.SERVICE_UNAVAILABLE).header("Retry-After", "2")
                    .contentType(MediaType.APPLICATION_JSON)
                    .body(ErrorBody.of("the gateway is not ready (starting or stopping); retry in a moment", List.of()));
        }
        String message = switch (status) {
            case NOT_FOUND -> "no such endpoint: " + uri;
            case METHOD_NOT_ALLOWED -> "method not allowed on " + uri;
            case UNSUPPORTED_MEDIA_TYPE -> "unsupported Content-Type: send application/json";
            case NOT_ACCEPTABLE -> "Accept names nothing this endpoint answers: application/json (the streaming "
                    + "chats also text/event-stream; the metrics text/plain only)";
            case BAD_REQUEST -> "bad request";
            default -> status.getReasonPhrase().toLowerCase();
        };
        List<FieldProblem> details = status == HttpStatus.UNSUPPORTED_MEDIA_TYPE
                ? List.of(new FieldProblem("Content-Type", "must be application/json")) : List.of();
        return ResponseEntity.status(status).contentType(MediaType.APPLICATION_JSON).body(ErrorBody.of(message, details));
    }
}
