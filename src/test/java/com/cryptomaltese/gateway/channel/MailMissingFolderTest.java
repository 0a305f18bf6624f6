package com.cryptomaltese.gateway.channel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;

import com.cryptomaltese.gateway.TestData;
import org.apache.camel.test.spring.junit5.CamelSpringBootTest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * A mail folder that does not exist fails every poll as a whole: one warning line a poll, naming
 * the folder, and no stack trace (Camel's handler wrote one on every poll).
 */
@CamelSpringBootTest
@SpringBootTest(properties = {
        "gateway.data-dir=" + MailMissingFolderTest.DATA,
        "gateway.mail.username=" + MailServers.BOT,
        "gateway.mail.password=" + MailServers.BOT_PASSWORD,
        "gateway.mail.folder=NoSuchFolder",
        "gateway.mail.poll-delay-ms=300"})
@DirtiesContext(classMode = DirtiesContext.ClassMode.AFTER_CLASS)
@ExtendWith(OutputCaptureExtension.class)
class MailMissingFolderTest {

    static final String DATA = "target/test-data/channel-mail-missing-folder";
    static final Path DATA_DIR = TestData.freshDataDir(DATA);
    static final MailServers SERVERS = new MailServers();

    @DynamicPropertySource
    static void servers(DynamicPropertyRegistry registry) {
        SERVERS.register(registry);
    }

    @AfterAll
    static void stopServers() {
        SERVERS.stop();
    }

    @Test
    void everyPollIsOneWarningLineWithoutAStackTrace(CapturedOutput output) {
        String line = "Mail poll failed, trying again at the next poll: FolderNotFoundException";
        await().atMost(MailServers.WAIT).until(() -> output.getAll().split(line, -1).length > 3);
        assertThat(output.getAll()).contains("NoSuchFolder").doesNotContain("Failed polling endpoint")
                .doesNotContain("\tat jakarta.mail").doesNotContain(MailServers.BOT_PASSWORD);
    }
}
