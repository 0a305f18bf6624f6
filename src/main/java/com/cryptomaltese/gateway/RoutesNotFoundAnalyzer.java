package com.cryptomaltese.gateway;

import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;

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

    /** The path before the first segment with a wildcard: {@code routes} for {@code file:routes/*.yaml}. */
    private static Path folderOf(String filePattern) {
        String path = filePattern.substring("file:".length());
        int wildcard = path.indexOf('*');
        int end = path.lastIndexOf('/', wildcard < 0 ? path.length() : wildcard);
        return Path.of(end < 0 ? "." : path.substring(0, end));
    }

    @Override
    protected FailureAnalysis analyze(Throwable rootFailure, NoSuchFileException cause) {
        String pattern = environment.getProperty(PATTERN, "");
        if (cause.getFile() == null) {
            return null;
        }
        // Camel reports the folder a pattern starts from ("routes" for file:routes/*.yaml) as missing;
        // the property may list several patterns, comma-separated.
        Path missing = Path.of(cause.getFile());
        Path folder = Arrays.stream(pattern.split(",")).map(String::trim).filter(p -> p.startsWith("file:"))
                .map(RoutesNotFoundAnalyzer::folderOf).filter(missing::equals).findFirst().orElse(null);
        if (folder == null) {
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
