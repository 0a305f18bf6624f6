package com.cryptomaltese.gateway.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;

import com.cryptomaltese.gateway.ApiTestBase;
import com.cryptomaltese.gateway.TestApi.Reply;
import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

class HealthTest extends ApiTestBase {

    @Test
    void healthNeedsNoKeyAndReportsTheGatewayState() {
        Reply reply = api.get("/api/v1/health", null);
        assertThat(reply.status()).isEqualTo(200);
        assertThat(reply.header("Content-Type")).startsWith("application/json");
        JsonNode body = reply.json();
        assertThat(body.get("status").asText()).isEqualTo("healthy");
        assertThat(body.get("timestamp").asText()).endsWith("Z");
        assertThat(Duration.between(Instant.parse(body.get("timestamp").asText()), Instant.now()).abs())
                .isLessThan(Duration.ofMinutes(1));
        // The project version from the build (META-INF/build-info.properties), not a placeholder.
        assertThat(body.get("version").asText()).isEqualTo("0.1.0-SNAPSHOT");
        assertThat(body.get("model_loaded").isBoolean()).isTrue();
        assertThat(body.get("model_loaded").asBoolean()).isFalse();
        assertThat(body.get("loaded_model").isNull()).isTrue();
        assertThat(body.get("uptime_seconds").isIntegralNumber()).isTrue();
        assertThat(body.get("uptime_seconds").asLong()).isGreaterThanOrEqualTo(0);
    }
}
