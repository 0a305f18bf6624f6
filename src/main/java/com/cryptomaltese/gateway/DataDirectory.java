package com.cryptomaltese.gateway;

import java.nio.file.Path;
import java.util.Map;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.env.EnvironmentPostProcessor;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;

/**
 * Makes {@code gateway.data-dir} absolute before anything reads it. The H2 URL, the log files and
 * the services all derive their paths from it, and H2 refuses a path that is only implicitly
 * relative ({@code GATEWAY_DATA_DIR=data}); resolving it once against the working directory gives
 * every consumer the same folder. Runs before logging is configured, so the log files follow too.
 */
public class DataDirectory implements EnvironmentPostProcessor {

    static final String PROPERTY = "gateway.data-dir";

    @Override
    public void postProcessEnvironment(ConfigurableEnvironment environment, SpringApplication application) {
        String configured = environment.getProperty(PROPERTY);
        if (configured == null || configured.isBlank()) {
            return;
        }
        String absolute = Path.of(configured).toAbsolutePath().normalize().toString();
        environment.getPropertySources().addFirst(new MapPropertySource("gatewayDataDir", Map.of(PROPERTY, absolute)));
    }
}
