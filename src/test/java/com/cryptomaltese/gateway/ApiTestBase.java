package com.cryptomaltese.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.apache.camel.test.spring.junit5.CamelSpringBootTest;
import org.junit.jupiter.api.BeforeEach;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;

/**
 * The gateway on a random port with a data directory of its own under target/test-data, an API key
 * and an admin key. Classes extending this share one application context. The data directory is
 * set as an inlined property, not a dynamic one, because logging reads it before dynamic
 * properties exist.
 */
@CamelSpringBootTest
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "gateway.data-dir=" + ApiTestBase.DATA_DIR_NAME,
        "gateway.security.api-keys=" + TestApi.USER_KEY,
        "gateway.security.admin-keys=" + TestApi.ADMIN_KEY,
        // Loopback only: a closed port, so no test ever reaches the real Hub.
        "gateway.hub.endpoint=http://127.0.0.1:9", "gateway.hub.max-attempts=1"})
public abstract class ApiTestBase {

    static final String DATA_DIR_NAME = "target/test-data/api";

    /** Emptied when the class loads, before the context (and its database) starts. */
    protected static final Path DATA_DIR = TestData.freshDataDir(DATA_DIR_NAME);

    @LocalServerPort
    protected int port;

    protected TestApi api;

    @BeforeEach
    void client() {
        api = new TestApi(port);
    }

    /** The API's error shape with this status, a message containing {@code messagePart} and a details array. */
    protected static void assertError(TestApi.Reply reply, int status, String messagePart) {
        assertThat(reply.status()).as(reply.body()).isEqualTo(status);
        assertThat(reply.header("Content-Type")).startsWith("application/json");
        assertThat(reply.json().path("status").asText()).isEqualTo("error");
        assertThat(reply.json().path("message").asText()).contains(messagePart);
        // Always there, empty when no field is at fault (the README's and DESIGN's error shape).
        assertThat(reply.json().path("details").isArray()).as(reply.body()).isTrue();
    }

    protected static Path modelsDir() {
        try {
            return Files.createDirectories(DATA_DIR.resolve("models"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
