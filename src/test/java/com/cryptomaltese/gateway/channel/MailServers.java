package com.cryptomaltese.gateway.channel;

import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

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
import org.springframework.test.context.DynamicPropertyRegistry;

/**
 * GreenMail for the mail route tests: the gateway's mailbox on a real IMAP server (where users'
 * mail arrives over SMTP) and a second real SMTP server receiving the gateway's replies, which a
 * test can take down and bring back on the same port.
 */
final class MailServers {

    static final String BOT = "bot@maltese.test";
    static final String BOT_PASSWORD = "bot-secret";
    static final Duration WAIT = Duration.ofSeconds(60);

    /** A mail as it sits in an IMAP folder. */
    record Stored(String messageId, boolean seen) {
    }

    /** A loaded CI machine can take more than GreenMail's default 2 s to start a server. */
    private static final long STARTUP_MILLIS = 20_000;

    final GreenMail mailbox;
    /** Chosen by the system at the first start, and kept: a test stops and restarts the outbox there. */
    final int outboxPort;
    private GreenMail outbox;

    MailServers() {
        mailbox = new GreenMail(new ServerSetup[] {setup(0, ServerSetup.PROTOCOL_SMTP), setup(0, ServerSetup.PROTOCOL_IMAP)});
        mailbox.start();
        mailbox.setUser(BOT, BOT, BOT_PASSWORD);
        outbox = new GreenMail(setup(0, ServerSetup.PROTOCOL_SMTP));
        outbox.start();
        outbox.setUser(BOT, BOT, BOT_PASSWORD);
        outboxPort = outbox.getSmtp().getPort();
    }

    /** On {@code port}, or on one the system picks when it is 0. */
    private static ServerSetup setup(int port, String protocol) {
        ServerSetup setup = new ServerSetup(port, "127.0.0.1", protocol);
        if (port == 0) {
            setup = setup.dynamicPort();
        }
        setup.setServerStartupTimeout(STARTUP_MILLIS);
        return setup;
    }

    /** Points the gateway's mail channel at these servers (from a test class's {@code @DynamicPropertySource}). */
    void register(DynamicPropertyRegistry registry) {
        registry.add("gateway.mail.imap-uri", this::imapUri);
        registry.add("gateway.mail.smtp-uri", this::smtpUri);
    }

    String imapUri() {
        return "imap://127.0.0.1:" + mailbox.getImap().getPort();
    }

    String smtpUri() {
        return "smtp://127.0.0.1:" + outboxPort;
    }

    void startOutbox() {
        outbox = new GreenMail(setup(outboxPort, ServerSetup.PROTOCOL_SMTP));
        outbox.start();
        outbox.setUser(BOT, BOT, BOT_PASSWORD);
    }

    void stopOutbox() {
        outbox.stop();
    }

    void stop() {
        mailbox.stop();
        outbox.stop();
    }

    MimeMessage mail(String from, String subject, String text) throws MessagingException {
        Session session = GreenMailUtil.getSession(mailbox.getSmtp().getServerSetup());
        MimeMessage mail = new MimeMessage(session);
        mail.setFrom(new InternetAddress(from));
        mail.setRecipient(Message.RecipientType.TO, new InternetAddress(BOT));
        mail.setSubject(subject);
        if (text != null) {
            mail.setText(text, "UTF-8");
        }
        return mail;
    }

    /** Sends to the gateway's mailbox; the Message-ID is assigned here. */
    static void send(MimeMessage mail) throws MessagingException {
        mail.saveChanges();
        Transport.send(mail);
    }

    MimeMessage awaitReplyTo(String address) {
        return await().atMost(WAIT).until(() -> Arrays.stream(outbox.getReceivedMessages())
                .filter(m -> address.equals(recipient(m))).findFirst().orElse(null), m -> m != null);
    }

    /** The recipients of every reply sent so far, in order. */
    List<String> replyRecipients() {
        return Arrays.stream(outbox.getReceivedMessages()).map(MailServers::recipient).toList();
    }

    static String recipient(MimeMessage m) {
        try {
            return ((InternetAddress) m.getRecipients(Message.RecipientType.TO)[0]).getAddress().toLowerCase();
        } catch (MessagingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Whether the gateway's INBOX holds the message flagged SEEN. */
    boolean seen(String messageId) throws MessagingException {
        return folder("INBOX").stream().anyMatch(m -> m.messageId().equals(messageId) && m.seen());
    }

    /** The mails in one of the gateway's IMAP folders (none when the folder does not exist). */
    List<Stored> folder(String name) throws MessagingException {
        Session session = GreenMailUtil.getSession(mailbox.getImap().getServerSetup());
        try (Store store = session.getStore("imap")) {
            store.connect("127.0.0.1", mailbox.getImap().getPort(), BOT, BOT_PASSWORD);
            Folder folder = store.getFolder(name);
            if (!folder.exists()) {
                return List.of();
            }
            folder.open(Folder.READ_ONLY);
            try {
                List<Stored> mails = new ArrayList<>();
                for (Message m : folder.getMessages()) {
                    if (m.isSet(Flags.Flag.DELETED)) {
                        continue;
                    }
                    String[] ids = m.getHeader("Message-ID");
                    mails.add(new Stored(ids == null ? null : ids[0], m.isSet(Flags.Flag.SEEN)));
                }
                return mails;
            } finally {
                folder.close(false);
            }
        }
    }
}
