package com.cryptomaltese.gateway.channel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;

import com.cryptomaltese.gateway.StoriesModel;
import com.cryptomaltese.gateway.TestData;
import com.cryptomaltese.gateway.model.ModelService;
import com.cryptomaltese.gateway.params.ParameterService;
import com.icegreen.greenmail.util.GreenMailUtil;
import jakarta.mail.internet.MimeMessage;
import org.apache.camel.test.spring.junit5.CamelSpringBootTest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * routes/mail.yaml with gateway.mail.processed-folder and error-folder set, against GreenMail:
 * answered and ignored mail leaves the INBOX for the processed folder, and a mail whose reply
 * failed on max-attempts polls for the error folder, unanswered.
 */
@CamelSpringBootTest
@SpringBootTest(properties = {
        "gateway.data-dir=" + MailFoldersTest.DATA,
        "gateway.mail.username=" + MailServers.BOT,
        "gateway.mail.password=" + MailServers.BOT_PASSWORD,
        "gateway.mail.poll-delay-ms=300",
        "gateway.mail.send-retries=0",
        "gateway.mail.processed-folder=" + MailFoldersTest.PROCESSED,
        "gateway.mail.error-folder=" + MailFoldersTest.FAILED,
        "gateway.mail.max-attempts=" + MailFoldersTest.ATTEMPTS})
@DirtiesContext(classMode = DirtiesContext.ClassMode.AFTER_CLASS)
@ExtendWith(OutputCaptureExtension.class)
class MailFoldersTest {

    static final String DATA = "target/test-data/channel-mail-folders";
    static final Path DATA_DIR = TestData.freshDataDir(DATA);
    static final String PROCESSED = "Answered";
    static final String FAILED = "Failed";
    static final int ATTEMPTS = 2;
    static final MailServers SERVERS = start();

    @Autowired
    ModelService models;
    @Autowired
    ParameterService parameters;

    static MailServers start() {
        StoriesModel.linkInto(DATA_DIR);
        return new MailServers();
    }

    @DynamicPropertySource
    static void servers(DynamicPropertyRegistry registry) {
        SERVERS.register(registry);
    }

    @AfterAll
    static void stopServers() {
        SERVERS.stop();
    }

    @BeforeEach
    void model() {
        if (models.current().isEmpty()) {
            StoriesModel.loadGreedy(models, parameters);
        }
    }

    @Test
    void answeredAndIgnoredMailMovesToTheProcessedFolder() throws Exception {
        MimeMessage question = SERVERS.mail("alice@users.test", "A story please", StoriesModel.PROMPT);
        MimeMessage autoReply = SERVERS.mail("dave@users.test", "Out of office", "I am away.");
        autoReply.setHeader("Auto-Submitted", "auto-replied");
        MailServers.send(autoReply);
        MailServers.send(question);

        String questionId = question.getMessageID();
        String autoReplyId = autoReply.getMessageID();

        MimeMessage reply = SERVERS.awaitReplyTo("alice@users.test");
        assertThat(GreenMailUtil.getBody(reply)).startsWith(StoriesModel.GREEDY);
        await().atMost(MailServers.WAIT).until(() -> SERVERS.folder(PROCESSED).size() >= 2);
        assertThat(SERVERS.folder(PROCESSED)).contains(new MailServers.Stored(questionId, true),
                new MailServers.Stored(autoReplyId, true));
        await().atMost(MailServers.WAIT).until(() -> SERVERS.folder("INBOX").stream()
                .noneMatch(m -> m.messageId().equals(questionId) || m.messageId().equals(autoReplyId)));
        assertThat(SERVERS.replyRecipients()).doesNotContain("dave@users.test");
    }

    @Test
    void aMailWhoseReplyFailsOnEveryAttemptGoesToTheErrorFolderUnanswered(CapturedOutput output) throws Exception {
        SERVERS.stopOutbox();
        MimeMessage mail = SERVERS.mail("henry@users.test", "During the outage", StoriesModel.PROMPT);
        String id;
        try {
            MailServers.send(mail);
            id = mail.getMessageID();
            await().atMost(MailServers.WAIT).until(() -> SERVERS.folder(FAILED).stream()
                    .anyMatch(m -> m.messageId().equals(id)));
        } finally {
            SERVERS.startOutbox();
        }
        assertThat(SERVERS.folder("INBOX")).noneMatch(m -> m.messageId().equals(id));
        assertThat(SERVERS.folder(PROCESSED)).noneMatch(m -> m.messageId().equals(id));
        assertThat(output.getAll()).contains("Mail " + id + " not answered (attempt 1), left unseen for the next poll")
                .contains("Mail " + id + " not answered after " + ATTEMPTS + " attempts, moved to folder " + FAILED)
                .doesNotContain(MailServers.BOT_PASSWORD);

        // The SMTP server is back: later mail is answered, the given-up one never.
        MailServers.send(SERVERS.mail("ivy@users.test", "After", StoriesModel.PROMPT));
        SERVERS.awaitReplyTo("ivy@users.test");
        assertThat(SERVERS.replyRecipients()).doesNotContain("henry@users.test");
        assertThat(SERVERS.folder(FAILED)).filteredOn(m -> m.messageId().equals(id)).hasSize(1);
    }
}
