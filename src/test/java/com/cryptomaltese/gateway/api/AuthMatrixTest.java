package com.cryptomaltese.gateway.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;

import com.cryptomaltese.gateway.ApiTestBase;
import com.cryptomaltese.gateway.TestApi;
import com.cryptomaltese.gateway.TestApi.Reply;
import com.cryptomaltese.gateway.TestData;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Every endpoint with no key, an unknown key, a user key and an admin key, in both header forms. */
class AuthMatrixTest extends ApiTestBase {

    enum Access { PUBLIC, USER, ADMIN }

    /** An endpoint and the status it answers an authorised caller in this test's state. */
    record Endpoint(String method, String path, String body, Access access, int authorisedStatus) {
        @Override
        public String toString() {
            return method + " " + path;
        }
    }

    private static final String MODEL = "/api/v1/models/auth-org%2Fauth-model";

    static List<Endpoint> endpoints() {
        return List.of(
                new Endpoint("GET", "/api/v1/health", null, Access.PUBLIC, 200),
                new Endpoint("GET", "/api/v1/openapi.json", null, Access.PUBLIC, 200),
                new Endpoint("POST", "/api/v1/chat", "{\"message\":\"hello\"}", Access.USER, 503),
                new Endpoint("POST", "/api/v1/openai/chat/completions",
                        "{\"messages\":[{\"role\":\"user\",\"content\":\"hello\"}]}", Access.USER, 503),
                new Endpoint("POST", "/api/v1/openai/completions", "{\"prompt\":\"hello\"}", Access.USER, 503),
                new Endpoint("GET", "/api/v1/openai/models", null, Access.USER, 200),
                new Endpoint("GET", "/api/v1/models", null, Access.USER, 200),
                new Endpoint("POST", MODEL + "/load", null, Access.USER, 409),
                new Endpoint("POST", MODEL + "/unload", null, Access.USER, 409),
                // The test Hub endpoint is a closed loopback port: an authorised download is a 502.
                new Endpoint("POST", "/api/v1/models/download", "{\"model_name\":\"a/b\"}", Access.USER, 502),
                new Endpoint("GET", MODEL, null, Access.USER, 200),
                new Endpoint("DELETE", "/api/v1/models/auth-org%2Fnot-there", null, Access.USER, 404),
                new Endpoint("GET", MODEL + "/parameters", null, Access.USER, 200),
                new Endpoint("PUT", MODEL + "/parameters", "{\"top_k\":40}", Access.USER, 200),
                new Endpoint("POST", MODEL + "/parameters/reset", null, Access.USER, 200),
                new Endpoint("GET", MODEL + "/parameters/history", null, Access.USER, 200),
                new Endpoint("POST", "/api/v1/admin/cleanup", "{\"operations\":[\"clean_temp\"]}", Access.ADMIN, 200),
                new Endpoint("POST", "/api/v1/admin/purge-logs", "{}", Access.ADMIN, 200),
                new Endpoint("GET", "/api/v1/admin/system-status", null, Access.ADMIN, 200),
                new Endpoint("GET", "/api/v1/admin/metrics", null, Access.ADMIN, 200),
                new Endpoint("GET", "/api/v1/users/api/someone%40example.com", null, Access.ADMIN, 200),
                new Endpoint("DELETE", "/api/v1/users/api/someone%40example.com", null, Access.ADMIN, 200));
    }

    @BeforeAll
    static void modelOnDisk() {
        // A format no engine runs, so an authorised load answers 409 (the folder cannot be loaded).
        TestData.hubModel(modelsDir(), "auth-org", "auth-model", "c0ffee", "model.tflite", 64);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("endpoints")
    void withoutKey(Endpoint endpoint) {
        Reply reply = call(endpoint, null, false);
        if (endpoint.access() == Access.PUBLIC) {
            assertThat(reply.status()).isEqualTo(200);
        } else {
            assertError(reply, 401, "missing API key");
            assertThat(reply.header("WWW-Authenticate")).isEqualTo("Bearer");
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("endpoints")
    void withUnknownKey(Endpoint endpoint) {
        Reply reply = call(endpoint, "not-a-key", false);
        if (endpoint.access() == Access.PUBLIC) {
            assertThat(reply.status()).isEqualTo(200);
        } else {
            assertError(reply, 401, "unknown API key");
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("endpoints")
    void withUserKey(Endpoint endpoint) {
        for (boolean bearer : new boolean[] {false, true}) {
            Reply reply = call(endpoint, TestApi.USER_KEY, bearer);
            if (endpoint.access() == Access.ADMIN) {
                assertError(reply, 403, "needs an admin key");
            } else {
                assertThat(reply.status()).as(endpoint + " bearer=" + bearer + ": " + reply.body())
                        .isEqualTo(endpoint.authorisedStatus());
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("endpoints")
    void withAdminKey(Endpoint endpoint) {
        for (boolean bearer : new boolean[] {false, true}) {
            Reply reply = call(endpoint, TestApi.ADMIN_KEY, bearer);
            assertThat(reply.status()).as(endpoint + " bearer=" + bearer + ": " + reply.body())
                    .isEqualTo(endpoint.authorisedStatus());
            // Every answer is JSON but the metrics scrape, in Prometheus' text format.
            assertThat(reply.header("Content-Type")).startsWith(endpoint.path().endsWith("/admin/metrics")
                    ? "text/plain" : "application/json");
        }
    }

    @Test
    void encodedPathSegmentsCannotDodgeTheAdminCheck() {
        Reply reply = api.get("/api/v1/%61dmin/system-status", TestApi.USER_KEY);
        assertError(reply, 403, "needs an admin key");
        assertError(api.get("/api/v1/models/../admin/system-status", TestApi.USER_KEY), 400, "dot segments");
    }

    /**
     * The servlet container drops path parameters ({@code ;x}) from every segment before routing:
     * with one on any segment, a path reaches the same route and needs the same key.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("endpoints")
    void pathParametersCannotDodgeTheKeyCheck(Endpoint endpoint) {
        String[] segments = endpoint.path().split("/");
        for (int i = 1; i < segments.length; i++) {
            String[] marked = segments.clone();
            marked[i] += i % 2 == 0 ? ";x" : ";";
            Endpoint dodging = new Endpoint(endpoint.method(), String.join("/", marked), endpoint.body(), endpoint.access(),
                    endpoint.authorisedStatus());
            if (endpoint.access() == Access.PUBLIC) {
                assertThat(call(dodging, null, false).status()).as(dodging.path()).isEqualTo(200);
                continue;
            }
            assertError(call(dodging, null, false), 401, "missing API key");
            if (endpoint.access() == Access.ADMIN) {
                assertError(call(dodging, TestApi.USER_KEY, false), 403, "needs an admin key");
            }
        }
    }

    @Test
    void keysNeverReachResponsesOrLogs() throws IOException {
        for (Endpoint endpoint : endpoints()) {
            for (String key : new String[] {TestApi.USER_KEY, TestApi.ADMIN_KEY}) {
                Reply reply = call(endpoint, key, false);
                assertThat(reply.body()).doesNotContain(key);
                reply.raw().headers().map().values()
                        .forEach(values -> assertThat(String.join(",", values)).doesNotContain(key));
            }
        }
        // The access line is written when the response completes: wait until the last one is there.
        Path accessLog = DATA_DIR.resolve("logs/access.log");
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(Files.readString(accessLog))
                .contains("GET /api/v1/admin/system-status 200").containsPattern("403 \\d+ms key:[0-9a-f]{12}"));
        List<Path> logs;
        try (Stream<Path> files = Files.walk(TestData.ROOT)) {
            logs = files.filter(f -> f.toString().endsWith(".log")).toList();
        }
        assertThat(logs).contains(accessLog, DATA_DIR.resolve("logs/audit.log"), DATA_DIR.resolve("logs/info.log"));
        for (Path log : logs) {
            assertThat(Files.readString(log, StandardCharsets.UTF_8)).as(log.toString())
                    .doesNotContain(TestApi.USER_KEY).doesNotContain(TestApi.ADMIN_KEY);
        }
    }

    private Reply call(Endpoint endpoint, String key, boolean bearer) {
        HttpRequest.Builder request = api.request(endpoint.path(), null);
        if (key != null) {
            request.header(bearer ? "Authorization" : "X-API-Key", bearer ? "Bearer " + key : key);
        }
        HttpRequest.BodyPublisher body = endpoint.body() == null
                ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(endpoint.body());
        request.header("Content-Type", "application/json").method(endpoint.method(), body);
        return api.send(request);
    }
}
