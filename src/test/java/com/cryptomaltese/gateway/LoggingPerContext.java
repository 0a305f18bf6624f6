package com.cryptomaltese.gateway;

import org.springframework.boot.context.event.ApplicationEnvironmentPreparedEvent;
import org.springframework.boot.context.logging.LoggingApplicationListener;
import org.springframework.boot.logging.LoggingSystem;
import org.springframework.context.ApplicationListener;
import org.springframework.core.Ordered;

/**
 * Lets every test application context write its log files under its own data directory.
 *
 * <p>Spring Boot configures logback once and skips it while an earlier context (still alive in
 * the test context cache) holds it, so a second context with another {@code gateway.data-dir}
 * would log into the first one's folder: its {@code logs/audit.log} and active files would never
 * appear. This listener runs just before {@link LoggingApplicationListener} and releases logging,
 * so the new context configures it. Together with {@code spring.test.context.cache.maxSize=1}
 * (src/test/resources/spring.properties) only one context is alive at a time, and it is always the
 * one that configured logging. Registered in src/test/resources/META-INF/spring.factories.
 */
public class LoggingPerContext implements ApplicationListener<ApplicationEnvironmentPreparedEvent>, Ordered {

    @Override
    public void onApplicationEvent(ApplicationEnvironmentPreparedEvent event) {
        LoggingSystem.get(event.getSpringApplication().getClassLoader()).cleanUp();
    }

    @Override
    public int getOrder() {
        return LoggingApplicationListener.DEFAULT_ORDER - 1;
    }
}
