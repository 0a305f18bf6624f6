package com.cryptomaltese.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.mock.env.MockEnvironment;

/** The gateway started where its YAML routes are not: two lines that say what to do, not a stack trace. */
@ExtendWith(OutputCaptureExtension.class)
class RoutesNotFoundTest {

    @Test
    void aStartWithoutTheRoutesFolderSaysWhereItLookedAndWhatToSet(CapturedOutput output) {
        String missing = "file:target/test-data/no-routes-here/*.yaml";
        SpringApplicationBuilder gateway = new SpringApplicationBuilder(MalteseGatewayApplication.class);

        assertThatThrownBy(() -> gateway.run(
                "--gateway.data-dir=" + TestData.freshDataDir("target/test-data/routes-not-found"),
                "--server.port=0",
                "--" + RoutesNotFoundAnalyzer.PATTERN + "=" + missing)).hasRootCauseInstanceOf(java.nio.file.NoSuchFileException.class);

        assertThat(output.getOut() + output.getErr())
                .contains("APPLICATION FAILED TO START")
                .contains("The Camel YAML routes were not found: " + missing)
                .contains("set GATEWAY_ROUTES to where they are");
    }

    @Test
    void everyPatternOfAListIsRecognisedAndOtherMissingFilesAreNot() {
        MockEnvironment environment = new MockEnvironment().withProperty(RoutesNotFoundAnalyzer.PATTERN,
                "file:routes/*.yaml, file:/opt/maltese/extra/**/*.yaml");
        RoutesNotFoundAnalyzer analyzer = new RoutesNotFoundAnalyzer(environment);
        java.nio.file.NoSuchFileException extra = new java.nio.file.NoSuchFileException("/opt/maltese/extra");
        assertThat(analyzer.analyze(extra, extra).getDescription())
                .isEqualTo("The Camel YAML routes were not found: file:routes/*.yaml, file:/opt/maltese/extra/**/*.yaml "
                        + "names no folder.");
        java.nio.file.NoSuchFileException other = new java.nio.file.NoSuchFileException("models");
        assertThat(analyzer.analyze(other, other)).isNull();
    }
}
