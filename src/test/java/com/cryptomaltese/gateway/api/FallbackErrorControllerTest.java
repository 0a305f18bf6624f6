package com.cryptomaltese.gateway.api;

import static org.assertj.core.api.Assertions.assertThat;

import jakarta.servlet.RequestDispatcher;
import org.junit.jupiter.api.Test;
import org.springframework.boot.availability.AvailabilityChangeEvent;
import org.springframework.boot.availability.ApplicationAvailabilityBean;
import org.springframework.boot.availability.ReadinessState;
import org.springframework.http.ResponseEntity;
import org.springframework.mock.web.MockHttpServletRequest;

/** An unknown API path while the gateway is not ready is "retry", once it is ready "no such endpoint". */
class FallbackErrorControllerTest {

    final ApplicationAvailabilityBean availability = new ApplicationAvailabilityBean();
    final FallbackErrorController controller = new FallbackErrorController(availability);

    ResponseEntity<ErrorBody> notFound(String uri) {
        MockHttpServletRequest request = new MockHttpServletRequest();
        request.setAttribute(RequestDispatcher.ERROR_STATUS_CODE, 404);
        request.setAttribute(RequestDispatcher.ERROR_REQUEST_URI, uri);
        return controller.error(request);
    }

    void readiness(ReadinessState state) {
        availability.onApplicationEvent(new AvailabilityChangeEvent<>(this, state));
    }

    @Test
    void beforeTheRoutesAreUpAnApiPathIs503WithRetryAfter() {
        readiness(ReadinessState.REFUSING_TRAFFIC);
        ResponseEntity<ErrorBody> reply = notFound("/api/v1/health");
        assertThat(reply.getStatusCode().value()).isEqualTo(503);
        assertThat(reply.getHeaders().getFirst("Retry-After")).isEqualTo("2");
        assertThat(reply.getBody().message()).startsWith("the gateway is not ready");
        // Outside the API a missing path is missing, ready or not.
        assertThat(notFound("/nothing-here").getStatusCode().value()).isEqualTo(404);
    }

    @Test
    void onceReadyAnUnknownApiPathIs404() {
        readiness(ReadinessState.ACCEPTING_TRAFFIC);
        ResponseEntity<ErrorBody> reply = notFound("/api/v1/nope");
        assertThat(reply.getStatusCode().value()).isEqualTo(404);
        assertThat(reply.getBody().message()).isEqualTo("no such endpoint: /api/v1/nope");
    }

    @Test
    void errorAskedForDirectlyIsAnUnknownPathNotA500() {
        MockHttpServletRequest request = new MockHttpServletRequest("GET", "/error");
        ResponseEntity<ErrorBody> reply = controller.error(request);
        assertThat(reply.getStatusCode().value()).isEqualTo(404);
        assertThat(reply.getBody().message()).isEqualTo("no such endpoint: /error");
    }
}
