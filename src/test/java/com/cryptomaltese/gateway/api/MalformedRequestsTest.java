package com.cryptomaltese.gateway.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

import com.cryptomaltese.gateway.ApiTestBase;
import com.cryptomaltese.gateway.TestApi;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Requests Tomcat refuses before any servlet sees them answer in the API's JSON error shape, not with
 * Tomcat's HTML page. Sent over a raw socket: HTTP clients do not send such paths.
 */
class MalformedRequestsTest extends ApiTestBase {

    @ParameterizedTest
    @ValueSource(strings = {"/api/v1/models/test%5Cstories", "/api/v1/models/test%2Fstories%00",
            "/api/v1/models/%C0%AE%C0%AE%2Fx", "/api/v1/users/api/%00"})
    void aPathTomcatRefusesGetsTheApisJsonError(String path) throws IOException {
        String[] reply = raw("GET " + path + " HTTP/1.1\r\nHost: localhost\r\nX-API-Key: " + TestApi.USER_KEY
                + "\r\nConnection: close\r\n\r\n");
        assertThat(reply[0]).startsWith("HTTP/1.1 400");
        assertThat(reply[0].toLowerCase()).contains("content-type: application/json");
        var body = new ObjectMapper().readTree(reply[1]);
        assertThat(body.path("status").asText()).isEqualTo("error");
        assertThat(body.path("message").asText()).startsWith("bad request");
    }

    /** A Content-Type that is all parameters names no media type: no body is no body, a body is not JSON. */
    @ParameterizedTest
    @ValueSource(strings = {";", ";;;", " ; charset=utf-8"})
    void aContentTypeWithoutAMediaTypeIsNoServerError(String contentType) throws IOException {
        String[] health = raw("GET /api/v1/health HTTP/1.1\r\nHost: localhost\r\nContent-Type: " + contentType
                + "\r\nConnection: close\r\n\r\n");
        assertThat(health[0]).startsWith("HTTP/1.1 200");
        String body = "{\"older_than_days\": 30}";
        String[] purge = raw("POST /api/v1/admin/purge-logs HTTP/1.1\r\nHost: localhost\r\nX-API-Key: "
                + TestApi.ADMIN_KEY + "\r\nContent-Type: " + contentType + "\r\nContent-Length: " + body.length()
                + "\r\nConnection: close\r\n\r\n" + body);
        assertThat(purge[0]).startsWith("HTTP/1.1 415");
        String json = purge[1].substring(purge[1].indexOf('{'), purge[1].lastIndexOf('}') + 1); // chunked
        assertThat(new ObjectMapper().readTree(json).at("/details/0/field").asText()).isEqualTo("Content-Type");
    }

    /** The status line and headers, and the body. */
    private String[] raw(String request) throws IOException {
        try (Socket socket = new Socket("127.0.0.1", port)) {
            OutputStream out = socket.getOutputStream();
            out.write(request.getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            InputStream in = socket.getInputStream();
            String response = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            int split = response.indexOf("\r\n\r\n");
            return new String[] {response.substring(0, split), response.substring(split + 4)};
        }
    }
}
