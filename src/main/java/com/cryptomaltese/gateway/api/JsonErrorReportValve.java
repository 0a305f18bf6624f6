package com.cryptomaltese.gateway.api;

import java.io.IOException;
import java.io.Writer;
import java.util.List;
import java.util.regex.Pattern;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.catalina.connector.Request;
import org.apache.catalina.connector.Response;
import org.apache.catalina.valves.ErrorReportValve;
import org.springframework.http.HttpStatus;

/**
 * The error body Tomcat writes itself, for a request it refuses before any servlet sees it (a path
 * with an encoded backslash or NUL, malformed UTF-8, a bad request line): the API's JSON error shape
 * instead of Tomcat's HTML page. Errors inside the application never get here; FallbackErrorController
 * answers those.
 */
public final class JsonErrorReportValve extends ErrorReportValve {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern BRACKETED = Pattern.compile("\\[(?!\\d+\\])[^\\]]*\\]");

    /**
     * The parser's own reason when it gave one ("Request header is too large", "More than the maximum
     * allowed number of headers, [100], were detected."); the path checks give none.
     */
    private static String badRequest(Throwable parserError) {
        if ((parserError instanceof IllegalArgumentException || parserError instanceof IllegalStateException)
                && parserError.getMessage() != null && !parserError.getMessage().isBlank()) {
            // The parser quotes what it refused in brackets: a header line can be a key ("[authorization:
            // Bearer …]"). Numbers (a limit, "[100]") are kept.
            String reason = BRACKETED.matcher(parserError.getMessage().strip()).replaceAll("[…]");
            return "bad request: " + (reason.length() > 300 ? reason.substring(0, 300) + "…" : reason);
        }
        return "bad request: the request line or a header is malformed (for example an encoded backslash "
                + "or NUL in the path, or bytes that are not UTF-8)";
    }

    @Override
    protected void report(Request request, Response response, Throwable throwable) {
        int status = response.getStatus();
        // As Tomcat's own valve: only errors, only once, and only when nothing was written yet.
        if (status < 400 || response.getContentWritten() > 0 || !response.setErrorReported()) {
            return;
        }
        String message = status == 400 ? badRequest(throwable)
                : HttpStatus.resolve(status) != null ? HttpStatus.valueOf(status).getReasonPhrase().toLowerCase()
                        : "error " + status;
        try {
            String body = JSON.writeValueAsString(ErrorBody.of(message, List.of()));
            response.setContentType("application/json");
            response.setCharacterEncoding("UTF-8");
            Writer writer = response.getReporter();
            if (writer != null) {
                writer.write(body);
                response.finishResponse();
            }
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        } catch (IOException | IllegalStateException e) {
            // the client is gone or the response was committed meanwhile: nothing left to tell it
        }
    }
}
