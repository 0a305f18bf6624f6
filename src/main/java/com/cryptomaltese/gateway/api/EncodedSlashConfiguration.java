package com.cryptomaltese.gateway.api;

import org.apache.tomcat.util.buf.EncodedSolidusHandling;
import org.springframework.boot.web.embedded.tomcat.TomcatServletWebServerFactory;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Model ids are Hub ids with a slash ({@code org/name}) and travel URL-encoded as one path segment
 * ({@code /models/org%2Fname/load}). Tomcat answers any {@code %2F} with its own 400 page by
 * default; passing it through undecoded lets routing see one segment, and {@code ModelId.parse}
 * decodes it exactly once.
 */
@Configuration(proxyBeanMethods = false)
class EncodedSlashConfiguration {

    @Bean
    WebServerFactoryCustomizer<TomcatServletWebServerFactory> encodedSlashPassThrough() {
        return factory -> factory.addConnectorCustomizers(connector ->
                connector.setEncodedSolidusHandling(EncodedSolidusHandling.PASS_THROUGH.getValue()));
    }
}
