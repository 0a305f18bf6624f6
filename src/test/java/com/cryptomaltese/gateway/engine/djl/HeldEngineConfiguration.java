package com.cryptomaltese.gateway.engine.djl;

import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;

/**
 * A {@link HeldDjlEngine} asked before the real engines, one per test context: import it and autowire
 * the engine to hold generations while the test looks.
 */
@TestConfiguration(proxyBeanMethods = false)
public class HeldEngineConfiguration {

    @Bean
    @Order(Ordered.HIGHEST_PRECEDENCE)
    HeldDjlEngine heldDjlEngine() {
        return new HeldDjlEngine();
    }
}
