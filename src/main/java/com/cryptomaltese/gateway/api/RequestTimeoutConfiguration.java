package com.cryptomaltese.gateway.api;

import java.time.Duration;

import com.cryptomaltese.gateway.GatewayProperties;
import org.springframework.boot.autoconfigure.web.servlet.WebMvcProperties;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.web.servlet.config.annotation.AsyncSupportConfigurer;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;

/**
 * How long the web server lets an API request run before it answers 503 on its own: the chat
 * deadline plus {@link #MARGIN}, so that the gateway's own answer (a reply, or 504 at the deadline)
 * is always what the caller gets. Camel's routes run as asynchronous Spring MVC requests, whose
 * default timeout (30 s, or {@code spring.mvc.async.request-timeout}) was below the 60 s deadline: a
 * chat still generating got a bare 503, went on, and its answer was stored in a conversation whose
 * caller had been told it failed. Applied last, after Spring Boot's and Camel's settings; a longer
 * {@code spring.mvc.async.request-timeout} wins.
 */
@Configuration(proxyBeanMethods = false)
@Order(Ordered.LOWEST_PRECEDENCE)
class RequestTimeoutConfiguration implements WebMvcConfigurer {

    /** Room past the deadline for the step that notices it, and for a long model load. */
    static final Duration MARGIN = Duration.ofMinutes(5);

    private final Duration timeout;

    RequestTimeoutConfiguration(GatewayProperties properties, WebMvcProperties mvc) {
        Duration configured = mvc.getAsync().getRequestTimeout();
        Duration needed = properties.chat().deadline().plus(MARGIN);
        // An operator's longer timeout (spring.mvc.async.request-timeout) is kept; a shorter one is not.
        this.timeout = configured != null && configured.compareTo(needed) > 0 ? configured : needed;
    }

    @Override
    public void configureAsyncSupport(AsyncSupportConfigurer configurer) {
        configurer.setDefaultTimeout(timeout.toMillis());
    }
}
