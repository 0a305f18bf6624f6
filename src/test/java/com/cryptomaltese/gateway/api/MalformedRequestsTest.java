package com.cryptomaltese.gateway.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import com.cryptomaltese.gateway.ApiTestBase;
import com.cryptomaltese.gateway.TestApi;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
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

    /** Past Tomcat's limits on the request head, the answer says which limit, in the API's JSON error shape. */
    @Test
    void aRequestHeadPastTheLimitsIsToldWhichLimit() throws IOException {
        String[] big = raw("GET /api/v1/health HTTP/1.1\r\nHost: localhost\r\nX-Big: " + "a".repeat(9000)
                + "\r\nConnection: close\r\n\r\n");
        assertThat(big[0]).startsWith("HTTP/1.1 400");
        assertThat(new ObjectMapper().readTree(big[1]).path("message").asText())
                .isEqualTo("bad request: Request header is too large");
        StringBuilder headers = new StringBuilder();
        for (int i = 0; i < 120; i++) {
            headers.append("X-Header-").append(i).append(": v\r\n");
        }
        String[] many = raw("GET /api/v1/health HTTP/1.1\r\nHost: localhost\r\n" + headers + "Connection: close\r\n\r\n");
        assertThat(many[0]).startsWith("HTTP/1.1 400");
        assertThat(new ObjectMapper().readTree(many[1]).path("message").asText())
                .isEqualTo("bad request: More than the maximum allowed number of headers, [100], were detected.");
    }

    /** A header line the parser refuses is not quoted back: it can be a key with a typing error. */
    @Test
    void aRefusedHeaderLineIsNotQuotedBack() throws IOException {
        String[] reply = raw("GET /api/v1/models HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer "
                + "secret-key-42\u0001\r\nConnection: close\r\n\r\n");
        assertThat(reply[0]).startsWith("HTTP/1.1 400");
        assertThat(reply[1]).doesNotContain("secret-key-42");
        assertThat(new ObjectMapper().readTree(reply[1]).path("message").asText()).startsWith("bad request: ");
        assertThat(Files.readString(DATA_DIR.resolve("logs/info.log"))).doesNotContain("secret-key-42");
    }

    /**
     * A trusted proxy's X-Forwarded-For is taken as it is by Tomcat: one that is no address must not
     * write its own access line.
     */
    @Test
    void aForwardedAddressThatIsNoAddressIsNotLoggedAsOne() throws IOException {
        api.send(api.request("/api/v1/health", null)
                .header("X-Forwarded-For", "6.6.6.6 POST /api/v1/admin/cleanup 200 3ms key:0"));
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(
                Files.readString(DATA_DIR.resolve("logs/access.log"))).contains("invalid-forwarded-address GET /api/v1/health"));
        assertThat(Files.readString(DATA_DIR.resolve("logs/access.log"))).doesNotContain("6.6.6.6");
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

    /**
     * Bodies are UTF-8: broken bytes are a 400 (they were read on as U+FFFD and stored so), another
     * declared charset a 415 (a Latin-1 é was read as UTF-8); UTF-8 in any spelling passes.
     */
    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {"application/json|ff fe|400|body",
            "application/json; charset=iso-8859-1|e9|415|Content-Type",
            "application/json; charset=utf-16|e9|415|Content-Type",
            "application/json; charset=\"UTF-8\"|c3 a9|400|", "application/json;charset=utf8|c3 a9|400|"})
    void bodiesAreUtf8(String contentType, String bytesInName, int status, String field) throws IOException {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.writeBytes("{\"model_name\": \"none/caf".getBytes(StandardCharsets.US_ASCII));
        for (String hex : bytesInName.split(" ")) {
            body.write(Integer.parseInt(hex, 16));
        }
        body.writeBytes("\"}".getBytes(StandardCharsets.US_ASCII));
        String head = "POST /api/v1/models/download HTTP/1.1\r\nHost: localhost\r\nX-API-Key: " + TestApi.USER_KEY
                + "\r\nContent-Type: " + contentType + "\r\nContent-Length: " + body.size() + "\r\nConnection: close\r\n\r\n";
        String[] reply = rawBytes(head, body.toByteArray());
        assertThat(reply[0]).as(reply[1]).startsWith("HTTP/1.1 " + status);
        String json = reply[1].substring(reply[1].indexOf('{'), reply[1].lastIndexOf('}') + 1);
        if (field != null) {
            assertThat(new ObjectMapper().readTree(json).at("/details/0/field").asText()).isEqualTo(field);
        } else {
            // Read as UTF-8: the é reaches the model name's validation, which names it.
            assertThat(new ObjectMapper().readTree(json).at("/details/0/field").asText()).isEqualTo("model_name");
        }
    }

    private String[] rawBytes(String head, byte[] body) throws IOException {
        byte[] request = new byte[head.length() + body.length];
        System.arraycopy(head.getBytes(StandardCharsets.ISO_8859_1), 0, request, 0, head.length());
        System.arraycopy(body, 0, request, head.length(), body.length);
        return raw(new String(request, StandardCharsets.ISO_8859_1));
    }

    /**
     * A client's wrong method or media type is the client's, not the gateway's: answered, in
     * access.log, and not a WARN line (Spring's resolver wrote one per request, quoting the client's
     * Content-Type, 8 KB of it if sent).
     */
    @Test
    void aClientsWrongMethodOrMediaTypeIsNoWarning() throws Exception {
        String marker = "x-client-marker-" + System.nanoTime();
        TestApi api = new TestApi(port);
        assertThat(api.send(api.request("/api/v1/chat", TestApi.USER_KEY).header("Content-Type", "text/" + marker)
                .POST(HttpRequest.BodyPublishers.ofString("{}"))).status()).isEqualTo(415);
        assertThat(api.send(api.request("/api/v1/chat?" + marker, TestApi.USER_KEY).GET()).status()).isEqualTo(405);
        Path access = DATA_DIR.resolve("logs/access.log");
        await().atMost(Duration.ofSeconds(10)).until(() -> Files.readString(access).contains("POST /api/v1/chat 415"));
        assertThat(Files.readString(DATA_DIR.resolve("logs/warn.log"))).doesNotContain(marker);
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
