package com.cryptomaltese.gateway;

import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.core.env.Environment;

/**
 * A start-up that cannot find the YAML routes says so in two lines instead of a stack trace: the
 * routes are read from the working directory (GATEWAY_ROUTES, {@code file:routes/*.yaml}), so
 * {@code java -jar} from any other folder used to end in "NoSuchFileException: routes".
 */
class RoutesNotFoundAnalyzer extends AbstractFailureAnalyzer<NoSuchFileException> {

    static final String PATTERN = "camel.main.routes-include-pattern";

    private final Environment environment;

    RoutesNotFoundAnalyzer(Environment environment) {
        this.environment = environment;
    }

    @Override
    protected FailureAnalysis analyze(Throwable rootFailure, NoSuchFileException cause) {
        String pattern = environment.getProperty(PATTERN, "");
        int slash = pattern.lastIndexOf('/');
        if (cause.getFile() == null || !pattern.startsWith("file:") || slash < 0) {
            return null;
        }
        // Camel reports the folder of the pattern ("routes" for file:routes/*.yaml) as missing.
        Path folder = Path.of(pattern.substring("file:".length(), slash));
        if (!Path.of(cause.getFile()).equals(folder)) {
            return null;
        }
        String seenFrom = folder.isAbsolute() ? "" : " seen from the working directory " + Path.of("").toAbsolutePath();
        return new FailureAnalysis(
                "The Camel YAML routes were not found: " + pattern + " names no folder" + seenFrom + ".",
                "Start the gateway from the folder that holds routes/ (the repository root, or /app in the image), or "
                        + "set GATEWAY_ROUTES to where they are, e.g. GATEWAY_ROUTES=file:/opt/maltese/routes/*.yaml.",
                cause);
    }
}
