package com.cryptomaltese.gateway.metrics;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.apache.camel.Exchange;
import org.springframework.stereotype.Component;

/** {@code GET /api/v1/admin/metrics}: every meter in Prometheus' text format. */
@Component
public class MetricsScrape {

    static final String TEXT_FORMAT = "text/plain; version=0.0.4; charset=utf-8";

    private final PrometheusMeterRegistry registry;

    MetricsScrape(PrometheusMeterRegistry registry) {
        this.registry = registry;
    }

    public void scrape(Exchange exchange) {
        exchange.getMessage().removeHeaders("*");
        exchange.getMessage().setHeader(Exchange.HTTP_RESPONSE_CODE, 200);
        exchange.getMessage().setHeader(Exchange.CONTENT_TYPE, TEXT_FORMAT);
        exchange.getMessage().setBody(registry.scrape());
    }
}
