package com.cryptomaltese.gateway.channel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

import com.cryptomaltese.gateway.StoriesModel;
import com.cryptomaltese.gateway.TestData;
import com.cryptomaltese.gateway.chat.Conversations;
import com.cryptomaltese.gateway.model.ModelService;
import com.cryptomaltese.gateway.params.ParameterService;
import com.icegreen.greenmail.util.GreenMailUtil;
import jakarta.mail.MessagingException;
import jakarta.mail.Session;
import jakarta.mail.internet.MimeBodyPart;
import jakarta.mail.internet.MimeMessage;
import jakarta.mail.internet.MimeMultipart;
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
 * routes/mail.yaml, loaded by the running application, against GreenMail ({@link MailServers}):
 * without processed and error folders, mail stays in the INBOX, marked seen once answered.
 */
@CamelSpringBootTest
@SpringBootTest(properties = {
        "gateway.data-dir=" + MailChannelTest.DATA,
        "gateway.mail.username=" + MailServers.BOT,
        "gateway.mail.password=" + MailServers.BOT_PASSWORD,
        "gateway.mail.signature=Maltese test gateway",
        "gateway.mail.max-size=4KB",
        "gateway.mail.poll-delay-ms=300",
        "gateway.mail.send-retries=1",
        "gateway.mail.send-retry-delay-ms=100"})
@DirtiesContext(classMode = DirtiesContext.ClassMode.AFTER_CLASS)
class MailChannelTest {

    static final String DATA = "target/test-data/channel-mail";
    static final Path DATA_DIR = TestData.freshDataDir(DATA);
    static final String BOT = MailServers.BOT;
    static final Duration WAIT = MailServers.WAIT;
    static final MailServers SERVERS = start();

    @Autowired
    CamelContext camel;
    @Autowired
    ModelService models;
    @Autowired
    Conversations conversations;
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
        // Kept as the sender's conversation in this thread: found by the sender's address.
        assertThat(conversations.export("mail", "alice@users.test")).extracting(Conversations.Turn::thread)
                .containsOnly(messageId);
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
        MimeMessage list = mail("heidi@users.test", "Re: [talk] a thread", "A list post.");
        list.setHeader("List-Id", "Talk <talk.lists.users.test>");
        for (MimeMessage m : List.of(autoReply, bulk, xAuto, self, daemon, noReply, list)) {
            send(m);
        }
        MimeMessage marker = mail("frank@users.test", "Question", StoriesModel.PROMPT);
        send(marker);

        awaitReplyTo("frank@users.test");
        for (MimeMessage m : List.of(autoReply, bulk, xAuto, self, daemon, noReply, list)) {
            await().atMost(WAIT).until(() -> seen(m.getMessageID()));
        }
        assertThat(SERVERS.replyRecipients()).doesNotContain("dave@users.test", "news@users.test", "erin@users.test", BOT,
                        "mailer-daemon@users.test", "no-reply@users.test", "heidi@users.test");
    }

    /**
     * The IMAP client refuses a dot-dot address in a mail's envelope ({@code a..b@users.test}, which
     * real mail carries); camel-mail then failed on every header read, its error handling included,
     * so such a mail was tried on every poll for ever, and 20 of them blocked all later mail.
     */
    @Test
    void aMailWithAnAddressTheImapClientRefusesIsAnsweredAndBlocksNothing() throws Exception {
        MimeMessage odd = mail("placeholder@users.test", "Dots", StoriesModel.PROMPT);
        odd.setHeader("From", "Odd Sender <odd..sender@users.test>");
        odd.setHeader("Cc", "friend..x@users.test");
        odd.saveChanges();
        SERVERS.mailbox.getUserManager().getUser(BOT).deliver(odd);
        MimeMessage after = mail("grace@users.test", "After the odd one", StoriesModel.PROMPT);
        send(after);

        // Answered with the local part quoted, as SMTP takes it (RFC 5321: "odd..sender" is no dot-atom).
        MimeMessage reply = awaitReplyTo("\"odd..sender\"@users.test");
        assertThat(reply.getHeader("Subject", null)).isEqualTo("Re: Dots");
        assertThat(GreenMailUtil.getBody(reply)).startsWith(StoriesModel.GREEDY);
        awaitReplyTo("grace@users.test");
        await().atMost(WAIT).until(() -> seen(odd.getMessageID()) && seen(after.getMessageID()));
    }

    @Test
    void anOversizedMailGetsAShortRefusal() throws Exception {
        send(mail("gina@users.test", "Long", "word ".repeat(2000)));

        MimeMessage reply = awaitReplyTo("gina@users.test");
        assertThat(GreenMailUtil.getBody(reply)).startsWith("Your mail is larger than I can read (4 KB at most)");
    }

    @Test
    void anSmtpOutageDelaysTheReplyButNeverLosesOrDuplicatesIt() throws Exception {
        SERVERS.stopOutbox();
        NotifyBuilder failed = new NotifyBuilder(camel).fromRoute("mail-inbox").whenFailed(2).create();
        MimeMessage mail = mail("henry@users.test", "During the outage", StoriesModel.PROMPT);
        send(mail);

        // Two polls failed to send: the mail is still unseen, waiting for the next poll.
        assertThat(failed.matches(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
        assertThat(seen(mail.getMessageID())).isFalse();

        SERVERS.startOutbox();
        MimeMessage reply = awaitReplyTo("henry@users.test");
        assertThat(GreenMailUtil.getBody(reply)).startsWith(StoriesModel.GREEDY);
        await().atMost(WAIT).until(() -> seen(mail.getMessageID()));
        // Later polls do not answer it again: a marker sent afterwards is answered, and henry has one reply.
        send(mail("ivy@users.test", "After", StoriesModel.PROMPT));
        awaitReplyTo("ivy@users.test");
        assertThat(SERVERS.replyRecipients()).filteredOn("henry@users.test"::equals).hasSize(1);
        // Generated once: the later polls sent the reply of the first, and the conversation holds one exchange.
        assertThat(conversations.export("mail", "henry@users.test")).extracting(Conversations.Turn::content)
                .containsExactly(StoriesModel.PROMPT, StoriesModel.GREEDY);
    }

    /** An empty text/plain beside the HTML that holds the words; and a bottom-posted reply. */
    @Test
    void theWordsAreFoundInTheHtmlPartAndBelowAQuote() throws Exception {
        MimeMessage alternative = mail("kim@users.test", "Alternative", null);
        MimeMultipart parts = new MimeMultipart("alternative");
        MimeBodyPart plain = new MimeBodyPart();
        plain.setText("\n", "UTF-8");
        MimeBodyPart html = new MimeBodyPart();
        html.setContent("<p>" + StoriesModel.PROMPT + "</p>", "text/html; charset=UTF-8");
        parts.addBodyPart(plain);
        parts.addBodyPart(html);
        alternative.setContent(parts);
        send(alternative);
        send(mail("lee@users.test", "Re: A story", "On Mon, 3 Mar 2025 at 10:00, Maltese <" + BOT + "> wrote:\n"
                + "> there was a little girl named Lily.\n\n" + StoriesModel.PROMPT + "\n"));

        assertThat(GreenMailUtil.getBody(awaitReplyTo("kim@users.test"))).startsWith(StoriesModel.GREEDY);
        assertThat(GreenMailUtil.getBody(awaitReplyTo("lee@users.test"))).startsWith(StoriesModel.GREEDY);
    }

    /** A charset Java does not know ("unknown-8bit", which real servers write) is read, not retried forever. */
    @Test
    void aMailInAnUnknownCharsetIsAnswered() throws Exception {
        // Put in the mailbox as received: Jakarta Mail will not send a charset it does not know.
        String raw = "From: mia@users.test\r\nTo: " + BOT + "\r\nSubject: Charset\r\nMessage-ID: <charset-1@users.test>\r\n"
                + "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=unknown-8bit\r\n"
                + "Content-Transfer-Encoding: 8bit\r\n\r\n" + StoriesModel.PROMPT + "\r\n";
        deliverAsReceived(raw);

        assertThat(GreenMailUtil.getBody(awaitReplyTo("mia@users.test"))).startsWith(StoriesModel.GREEDY);

        // The same inside a multipart: no header read may decode the body (it failed every poll then).
        String multipart = "From: nora@users.test\r\nTo: " + BOT + "\r\nSubject: Charset 2\r\n"
                + "Message-ID: <charset-2@users.test>\r\nMIME-Version: 1.0\r\n"
                + "Content-Type: multipart/alternative; boundary=\"b1\"\r\n\r\n--b1\r\n"
                + "Content-Type: text/plain; charset=unknown-8bit\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
                + StoriesModel.PROMPT + "\r\n--b1--\r\n";
        deliverAsReceived(multipart);
        assertThat(GreenMailUtil.getBody(awaitReplyTo("nora@users.test"))).startsWith(StoriesModel.GREEDY);
    }

    /**
     * The sender writes the Message-ID header: what it holds besides the id (a folded line that looked
     * like a log line of its own, escape sequences) reaches neither the logs nor the reply's In-Reply-To.
     */
    @Test
    void onlyTheIdOfAMessageIdHeaderIsUsed() throws Exception {
        String raw = "From: quinn@users.test\r\nTo: " + BOT + "\r\nSubject: Ids\r\n"
                + "Message-ID: <clean-1@users.test>\r\n\t2026-01-01 INFO [main] Fake - FORGED \u001b[31mRED\u001b[0m\r\n"
                + "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" + StoriesModel.PROMPT + "\r\n";
        deliverAsReceived(raw);

        MimeMessage reply = awaitReplyTo("quinn@users.test");
        assertThat(reply.getHeader("In-Reply-To", null)).isEqualTo("<clean-1@users.test>");
        assertThat(GreenMailUtil.getBody(reply)).startsWith(StoriesModel.GREEDY);
        for (String log : List.of("info.log", "warn.log", "debug.log")) {
            Path file = DATA_DIR.resolve("logs").resolve(log);
            assertThat(Files.exists(file) ? Files.readString(file) : "").doesNotContain("FORGED").doesNotContain("\u001b");
        }
    }

    /**
     * A body no decoder reads (an unknown transfer encoding) fails the same way on every poll: it gets
     * one refusal instead of being tried again, so such mails cannot hold the later ones back.
     */
    @Test
    void aMailWhoseBodyCannotBeDecodedGetsARefusalAndBlocksNothing() throws Exception {
        String raw = "From: olga@users.test\r\nTo: " + BOT + "\r\nSubject: Weird\r\nMessage-ID: <weird-1@users.test>\r\n"
                + "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n"
                + "Content-Transfer-Encoding: x-weird\r\n\r\n" + StoriesModel.PROMPT + "\r\n";
        deliverAsReceived(raw);

        assertThat(GreenMailUtil.getBody(awaitReplyTo("olga@users.test"))).startsWith(MailChannel.UNREADABLE);
        assertThat(seen("<weird-1@users.test>")).isTrue();
        send(mail("pia@users.test", "After the weird one", StoriesModel.PROMPT));
        assertThat(GreenMailUtil.getBody(awaitReplyTo("pia@users.test"))).startsWith(StoriesModel.GREEDY);
    }

    /** Puts a mail into the gateway's mailbox as a server received it (bytes Jakarta Mail would not send). */
    private static void deliverAsReceived(String raw) throws MessagingException {
        SERVERS.mailbox.getUserManager().getUser(BOT).deliver(new MimeMessage(Session.getInstance(new Properties()),
                new ByteArrayInputStream(raw.getBytes(StandardCharsets.ISO_8859_1))));
    }

    private static MimeMessage mail(String from, String subject, String text) throws MessagingException {
        return SERVERS.mail(from, subject, text);
    }

    private static void send(MimeMessage mail) throws MessagingException {
        MailServers.send(mail);
    }

    private static MimeMessage awaitReplyTo(String address) {
        return SERVERS.awaitReplyTo(address);
    }

    private static boolean seen(String messageId) throws MessagingException {
        return SERVERS.seen(messageId);
    }
}
