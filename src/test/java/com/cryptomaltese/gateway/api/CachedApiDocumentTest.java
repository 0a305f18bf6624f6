package com.cryptomaltese.gateway.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;

import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.DefaultExchange;
import org.apache.camel.support.service.ServiceHelper;
import org.junit.jupiter.api.Test;

/**
 * The document is rendered once, from nothing of the first request but its path, and every caller
 * gets that rendering with the headers it came with. The renderer here writes back what Camel's
 * reads from a request (Host, X-Forwarded-*, which query parameters also arrive as).
 */
class CachedApiDocumentTest {

    private static final Processor ECHOING_RENDERER = exchange -> {
        var in = exchange.getMessage();
        in.setBody("{\"echo\": \"host=" + in.getHeader("Host") + " forwarded=" + in.getHeader("X-Forwarded-Host") + "/"
                + in.getHeader("X-Forwarded-Proto") + "/" + in.getHeader("X-Forwarded-Prefix") + " path="
                + in.getHeader(Exchange.HTTP_PATH) + "\"}");
        in.setHeader("Content-Type", "application/json");
    };

    @Test
    void theFirstRequestCannotShapeTheDocumentOthersGet() throws Exception {
        CachedApiDocument document = new CachedApiDocument((context, path, configuration, parameters) -> ECHOING_RENDERER);
        try (DefaultCamelContext camel = new DefaultCamelContext()) {
            camel.start();
            Processor processor = document.createApiProcessor(camel, "/api/v1", null, Map.of());
            ServiceHelper.startService(processor);

            Exchange forged = request(camel, Map.of("Host", "evil.example", "X-Forwarded-Host", "evil.example",
                    "X-Forwarded-Proto", "https", "X-Forwarded-Prefix", "/x", "Content-Type", "application/json"));
            processor.process(forged);
            String expected = "{\"echo\": \"host=null forwarded=null/null/null path=/openapi.json\"}";
            assertThat(forged.getMessage().getBody(String.class)).isEqualTo(expected);

            Exchange plain = request(camel, Map.of());
            processor.process(plain);
            assertThat(plain.getMessage().getBody(String.class)).isEqualTo(expected);
            assertThat(plain.getMessage().getHeader("Content-Type")).isEqualTo("application/json");

            // Query parameters arrive as headers; none of them may come back as a response header.
            Exchange html = request(camel, Map.of("Content-Type", "text/html", "Set-Cookie", "a=1",
                    "Refresh", "0;url=https://evil.example/"));
            processor.process(html);
            assertThat(html.getMessage().getHeaders()).containsOnlyKeys("Content-Type")
                    .containsEntry("Content-Type", "application/json");
            assertThat(document.renders()).isEqualTo(1);
            ServiceHelper.stopService(processor);
        }
    }

    @Test
    void aFailedRenderingIsNotKept() throws Exception {
        int[] calls = {0};
        Processor failingOnce = exchange -> {
            if (calls[0]++ == 0) {
                throw new IllegalStateException("not yet");
            }
            exchange.getMessage().setBody("the document");
        };
        CachedApiDocument document = new CachedApiDocument((context, path, configuration, parameters) -> failingOnce);
        try (DefaultCamelContext camel = new DefaultCamelContext()) {
            camel.start();
            Processor processor = document.createApiProcessor(camel, "/api/v1", null, Map.of());
            Exchange first = request(camel, Map.of());
            try {
                processor.process(first);
            } catch (IllegalStateException expected) {
                // Camel's processor threw: the request fails, nothing is kept
            }
            Exchange second = request(camel, Map.of());
            processor.process(second);
            assertThat(second.getMessage().getBody(String.class)).isEqualTo("the document");
            assertThat(document.renders()).isEqualTo(1);
        }
    }

    private static Exchange request(DefaultCamelContext camel, Map<String, Object> headers) {
        Exchange exchange = new DefaultExchange(camel);
        exchange.getMessage().setHeaders(new java.util.HashMap<>(headers));
        exchange.getMessage().setHeader(Exchange.HTTP_PATH, "/openapi.json");
        return exchange;
    }
}
