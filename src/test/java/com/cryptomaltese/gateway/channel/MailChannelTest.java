package com.cryptomaltese.gateway.channel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

import com.cryptomaltese.gateway.TestData;
import com.cryptomaltese.gateway.model.ModelService;
import com.cryptomaltese.gateway.params.ParameterService;
import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.GreenMailUtil;
import com.icegreen.greenmail.util.ServerSetup;
import jakarta.mail.Flags;
import jakarta.mail.Folder;
import jakarta.mail.Message;
import jakarta.mail.MessagingException;
import jakarta.mail.Session;
import jakarta.mail.Store;
import jakarta.mail.Transport;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import org.apache.camel.CamelContext;
import org.apache.camel.builder.NotifyBuilder;
import org.apache.camel.test.spring.junit5.CamelSpringBootTest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * routes/mail.yaml, loaded by the running application, against GreenMail: the gateway's mailbox
 * on a real IMAP server (where users' mail arrives over SMTP) and a second real SMTP server that
 * receives the gateway's replies, which can be taken down and brought back.
 */
@CamelSpringBootTest
@SpringBootTest(properties = {
        "gateway.data-dir=" + MailChannelTest.DATA,
        "gateway.mail.username=" + MailChannelTest.BOT,
        "gateway.mail.password=" + MailChannelTest.BOT_PASSWORD,
        "gateway.mail.signature=Maltese test gateway",
        "gateway.mail.max-size=4KB",
        "gateway.mail.poll-delay-ms=300",
        "gateway.mail.send-retries=1",
        "gateway.mail.send-retry-delay-ms=100"})
@DirtiesContext(classMode = DirtiesContext.ClassMode.AFTER_CLASS)
class MailChannelTest {

    static final String DATA = "target/test-data/channel-mail";
    static final Path DATA_DIR = TestData.freshDataDir(DATA);
    static final String BOT = "bot@maltese.test";
    static final String BOT_PASSWORD = "bot-secret";
    static final Duration WAIT = Duration.ofSeconds(60);

    /** The gateway's mailbox: users send to it over SMTP, the gateway reads it over IMAP. */
    static final GreenMail MAILBOX = startMailbox();
    /** Where the gateway sends replies. */
    static final int OUTBOX_PORT = freePort();
    static GreenMail outbox = startOutbox();

    @Autowired
    CamelContext camel;
    @Autowired
    ModelService models;
    @Autowired
    ParameterService parameters;

    static GreenMail startMailbox() {
        StoriesModel.linkInto(DATA_DIR);
        GreenMail mail = new GreenMail(new ServerSetup[] {
                new ServerSetup(0, "127.0.0.1", ServerSetup.PROTOCOL_SMTP).dynamicPort(),
                new ServerSetup(0, "127.0.0.1", ServerSetup.PROTOCOL_IMAP).dynamicPort()});
        mail.start();
        mail.setUser(BOT, BOT, BOT_PASSWORD);
        return mail;
    }

    static GreenMail startOutbox() {
        GreenMail mail = new GreenMail(new ServerSetup(OUTBOX_PORT, "127.0.0.1", ServerSetup.PROTOCOL_SMTP));
        mail.start();
        mail.setUser(BOT, BOT, BOT_PASSWORD);
        return mail;
    }

    static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            socket.setReuseAddress(true);
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @DynamicPropertySource
    static void servers(DynamicPropertyRegistry registry) {
        registry.add("gateway.mail.imap-uri", () -> "imap://127.0.0.1:" + MAILBOX.getImap().getPort());
        registry.add("gateway.mail.smtp-uri", () -> "smtp://127.0.0.1:" + OUTBOX_PORT);
    }

    @AfterAll
    static void stopServers() {
        MAILBOX.stop();
        outbox.stop();
    }

    @BeforeEach
    void model() {
        if (models.current().isEmpty()) {
            StoriesModel.loadGreedy(models, parameters);
        }
    }

    @Test
    void aUsersMailIsAnsweredByTheModelWithThreadHeaders() throws Exception {
        MimeMessage mail = mail("alice@users.test", "A story please", StoriesModel.PROMPT
                + "\n\nOn Mon, 3 Mar 2025 at 10:00, Maltese <" + BOT + "> wrote:\n> an older answer\n");
        mail.setHeader("References", "<root-1@users.test>");
        send(mail);
        String messageId = "<root-1@users.test>";

        MimeMessage reply = awaitReplyTo("alice@users.test");
        assertThat(reply.getSubject()).isEqualTo("Re: A story please");
        assertThat(reply.getFrom()[0].toString()).isEqualTo(BOT);
        assertThat(reply.getHeader("In-Reply-To", null)).isEqualTo(mail.getMessageID());
        assertThat(reply.getHeader("References", null)).isEqualTo(messageId + " " + mail.getMessageID());
        assertThat(reply.getHeader("Auto-Submitted", null)).isEqualTo("auto-replied");
        assertThat(reply.getContentType()).startsWith("text/plain");
        assertThat(GreenMailUtil.getBody(reply).replace("\r\n", "\n").stripTrailing())
                .isEqualTo(StoriesModel.GREEDY + "\n\n-- \nMaltese test gateway");
        await().atMost(WAIT).until(() -> seen(mail.getMessageID()));
    }

    @Test
    void anHtmlOnlyMailIsReadAsText() throws Exception {
        MimeMessage mail = mail("carol@users.test", "Html", null);
        mail.setContent("<html><body><p>" + StoriesModel.PROMPT + "</p><blockquote>old stuff</blockquote></body></html>",
                "text/html; charset=UTF-8");
        send(mail);

        MimeMessage reply = awaitReplyTo("carol@users.test");
        assertThat(GreenMailUtil.getBody(reply)).startsWith(StoriesModel.GREEDY);
    }

    @Test
    void automaticMailSelfMailAndMachinesAreNotAnswered() throws Exception {
        MimeMessage autoReply = mail("dave@users.test", "Out of office", "I am away.");
        autoReply.setHeader("Auto-Submitted", "auto-replied");
        MimeMessage bulk = mail("news@users.test", "Newsletter", "News.");
        bulk.setHeader("Precedence", "bulk");
        MimeMessage xAuto = mail("erin@users.test", "Away", "Away.");
        xAuto.setHeader("X-Autoreply", "yes");
        MimeMessage self = mail(BOT, "Re: loop", "My own reply.");
        MimeMessage daemon = mail("MAILER-DAEMON@users.test", "Undeliverable", "Bounce.");
        MimeMessage noReply = mail("no-reply@users.test", "Receipt", "Thanks.");
        for (MimeMessage m : List.of(autoReply, bulk, xAuto, self, daemon, noReply)) {
            send(m);
        }
        MimeMessage marker = mail("frank@users.test", "Question", StoriesModel.PROMPT);
        send(marker);

        awaitReplyTo("frank@users.test");
        for (MimeMessage m : List.of(autoReply, bulk, xAuto, self, daemon, noReply)) {
            await().atMost(WAIT).until(() -> seen(m.getMessageID()));
        }
        assertThat(Arrays.stream(outbox.getReceivedMessages()).map(MailChannelTest::recipient))
                .doesNotContain("dave@users.test", "news@users.test", "erin@users.test", BOT,
                        "mailer-daemon@users.test", "no-reply@users.test");
    }

    @Test
    void anOversizedMailGetsAShortRefusal() throws Exception {
        send(mail("gina@users.test", "Long", "word ".repeat(2000)));

        MimeMessage reply = awaitReplyTo("gina@users.test");
        assertThat(GreenMailUtil.getBody(reply)).startsWith("Your mail is larger than I can read (4 KB at most)");
    }

    @Test
    void anSmtpOutageDelaysTheReplyButNeverLosesOrDuplicatesIt() throws Exception {
        outbox.stop();
        NotifyBuilder failed = new NotifyBuilder(camel).fromRoute("mail-inbox").whenFailed(2).create();
        MimeMessage mail = mail("henry@users.test", "During the outage", StoriesModel.PROMPT);
        send(mail);

        // Two polls failed to send: the mail is still unseen, waiting for the next poll.
        assertThat(failed.matches(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
        assertThat(seen(mail.getMessageID())).isFalse();

        outbox = startOutbox();
        MimeMessage reply = awaitReplyTo("henry@users.test");
        assertThat(GreenMailUtil.getBody(reply)).startsWith(StoriesModel.GREEDY);
        await().atMost(WAIT).until(() -> seen(mail.getMessageID()));
        // Later polls do not answer it again: a marker sent afterwards is answered, and henry has one reply.
        send(mail("ivy@users.test", "After", StoriesModel.PROMPT));
        awaitReplyTo("ivy@users.test");
        assertThat(Arrays.stream(outbox.getReceivedMessages()).map(MailChannelTest::recipient)
                .filter("henry@users.test"::equals)).hasSize(1);
    }

    private static MimeMessage mail(String from, String subject, String text) throws MessagingException {
        Session session = GreenMailUtil.getSession(MAILBOX.getSmtp().getServerSetup());
        MimeMessage mail = new MimeMessage(session);
        mail.setFrom(new InternetAddress(from));
        mail.setRecipient(Message.RecipientType.TO, new InternetAddress(BOT));
        mail.setSubject(subject);
        if (text != null) {
            mail.setText(text, "UTF-8");
        }
        return mail;
    }

    private static void send(MimeMessage mail) throws MessagingException {
        mail.saveChanges();
        Transport.send(mail);
    }

    private static MimeMessage awaitReplyTo(String address) {
        return await().atMost(WAIT).until(() -> Arrays.stream(outbox.getReceivedMessages())
                .filter(m -> address.equals(recipient(m))).findFirst().orElse(null), m -> m != null);
    }

    private static String recipient(MimeMessage m) {
        try {
            return ((InternetAddress) m.getRecipients(Message.RecipientType.TO)[0]).getAddress().toLowerCase();
        } catch (MessagingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Whether the gateway's mailbox holds the message flagged SEEN. */
    private static boolean seen(String messageId) throws MessagingException {
        Session session = GreenMailUtil.getSession(MAILBOX.getImap().getServerSetup());
        try (Store store = session.getStore("imap")) {
            store.connect("127.0.0.1", MAILBOX.getImap().getPort(), BOT, BOT_PASSWORD);
            Folder inbox = store.getFolder("INBOX");
            inbox.open(Folder.READ_ONLY);
            try {
                for (Message m : inbox.getMessages()) {
                    String[] ids = m.getHeader("Message-ID");
                    if (ids != null && ids[0].equals(messageId)) {
                        return m.isSet(Flags.Flag.SEEN);
                    }
                }
                return false;
            } finally {
                inbox.close(false);
            }
        }
    }
}
