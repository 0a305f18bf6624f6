package com.cryptomaltese.gateway.params;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;

import com.cryptomaltese.gateway.MalteseGatewayApplication;
import com.cryptomaltese.gateway.TestApi;
import com.cryptomaltese.gateway.TestApi.Reply;
import com.cryptomaltese.gateway.TestData;
import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.context.logging.LoggingApplicationListener;
import org.springframework.boot.web.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Stored parameters, their timestamp and their history survive a restart: two gateways, one after
 * the other, on the same data directory. Deliberately not an {@code ApiTestBase}: it needs
 * contexts of its own that it can stop and start.
 */
class ParameterPersistenceTest {

    private static final String USER_KEY = "persist-user-key-5d21";
    private static final String ADMIN_KEY = "persist-admin-key-90ce";
    private static final String KEPT = "/api/v1/models/persist-org%2Fkept/parameters";
    private static final String UNTOUCHED = "/api/v1/models/persist-org%2Funtouched/parameters";

    @Test
    void parametersLastUpdatedAndHistorySurviveARestart() {
        Path dataDir = TestData.freshDataDir("target/test-data/persistence");
        Path models = dataDir.resolve("models");
        TestData.hubModel(models, "persist-org", "kept", "feed01", "model.safetensors", 16);
        TestData.hubModel(models, "persist-org", "untouched", "feed02", "model.safetensors", 16);

        JsonNode before;
        JsonNode historyBefore;
        ConfigurableApplicationContext first = start(dataDir, "first");
        try {
            TestApi api = new TestApi(port(first));
            assertOk(api.put(KEPT, USER_KEY, "{\"temperature\": 0.25, \"top_k\": 33, \"do_sample\": false}"));
            assertOk(api.put(KEPT, USER_KEY, "{\"max_length\": 1024, \"temperature\": 0.5}"));
            before = assertOk(api.get(KEPT, USER_KEY)).json();
            historyBefore = assertOk(api.get(KEPT + "/history", USER_KEY)).json();
        } finally {
            first.close();
        }
        // The database lives in the data directory given, not in a default location.
        assertThat(dataDir.resolve("db/maltese.mv.db")).exists();

        ConfigurableApplicationContext second = start(dataDir, "second");
        try {
            TestApi api = new TestApi(port(second));
            JsonNode after = assertOk(api.get(KEPT, USER_KEY)).json();

            JsonNode parameters = after.path("parameters");
            assertThat(parameters.path("temperature").doubleValue()).isEqualTo(0.5);
            assertThat(parameters.path("top_k").isIntegralNumber()).isTrue();
            assertThat(parameters.path("top_k").intValue()).isEqualTo(33);
            assertThat(parameters.path("max_length").intValue()).isEqualTo(1024);
            assertThat(parameters.path("do_sample").isBoolean()).isTrue();
            assertThat(parameters.path("do_sample").booleanValue()).isFalse();
            // Fields never set are still the defaults.
            assertThat(parameters.path("top_p").doubleValue()).isEqualTo(0.9);
            assertThat(parameters.path("early_stopping").booleanValue()).isFalse();
            assertThat(after).isEqualTo(before);

            Instant lastUpdated = Instant.parse(after.path("last_updated").asText());
            assertThat(lastUpdated).isBeforeOrEqualTo(Instant.now());

            JsonNode historyAfter = assertOk(api.get(KEPT + "/history", USER_KEY)).json();
            assertThat(historyAfter).isEqualTo(historyBefore);
            assertThat(historyAfter.path("changes")).hasSize(5);
            assertThat(historyAfter.path("changes").path(0).path("changed_at").asText())
                    .isEqualTo(after.path("last_updated").asText());

            JsonNode untouched = assertOk(api.get(UNTOUCHED, USER_KEY)).json();
            assertThat(untouched.get("last_updated").isNull()).isTrue();
            assertThat(untouched.path("parameters").path("temperature").doubleValue()).isEqualTo(0.7);
        } finally {
            second.close();
        }
    }

    /**
     * A gateway on a free port over {@code dataDir}. Settings go in as command-line arguments:
     * {@code SpringApplicationBuilder.properties} only sets defaults, which application.yml's own
     * {@code gateway.data-dir} would override. The Camel context gets a name of its own so that it
     * cannot share JVM-wide registrations (Quartz scheduler, JMX) with a context another test class
     * keeps open.
     */
    private static ConfigurableApplicationContext start(Path dataDir, String name) {
        SpringApplicationBuilder builder = new SpringApplicationBuilder(MalteseGatewayApplication.class);
        SpringApplication application = builder.application();
        // Logging is JVM-wide: left in, this context would point every log file at its own data
        // directory and tear logging down when it closes, under the feet of the shared API test context.
        application.setListeners(application.getListeners().stream()
                .filter(listener -> !(listener instanceof LoggingApplicationListener)).toList());
        return builder.run(
                "--server.port=0",
                "--gateway.data-dir=" + dataDir,
                "--gateway.security.api-keys=" + USER_KEY,
                "--gateway.security.admin-keys=" + ADMIN_KEY,
                "--camel.springboot.name=persistence-" + name,
                "--camel.main.jmx-enabled=false");
    }

    private static int port(ConfigurableApplicationContext context) {
        return ((WebServerApplicationContext) context).getWebServer().getPort();
    }

    private static Reply assertOk(Reply reply) {
        assertThat(reply.status()).as(reply.body()).isEqualTo(200);
        return reply;
    }
}
