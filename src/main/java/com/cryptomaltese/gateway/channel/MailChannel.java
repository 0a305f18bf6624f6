package com.cryptomaltese.gateway.channel;

import java.io.IOException;
import java.io.InputStream;
import java.io.UnsupportedEncodingException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.cryptomaltese.gateway.api.ApiException;
import com.cryptomaltese.gateway.chat.ChatRequest;
import com.cryptomaltese.gateway.chat.ChatResponse;
import jakarta.mail.BodyPart;
import jakarta.mail.FetchProfile;
import jakarta.mail.Message;
import jakarta.mail.MessagingException;
import jakarta.mail.Multipart;
import jakarta.mail.Part;
import jakarta.mail.UIDFolder;
import jakarta.mail.internet.AddressException;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeUtility;
import jakarta.mail.internet.ParseException;
import org.apache.camel.Exchange;
import org.apache.camel.ExchangeProperty;
import org.apache.camel.component.mail.MailConstants;
import org.apache.camel.component.mail.MailMessage;
import org.eclipse.angus.mail.smtp.SMTPAddressFailedException;
import org.eclipse.angus.mail.util.DecodingException;
import org.eclipse.angus.mail.smtp.SMTPSendFailedException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * What routes/mail.yaml does with a mail: {@link #read} decides (ignore, refuse, or chat),
 * {@link #chatRequest}/{@link #answer}/{@link #failure} talk to direct:chat, and {@link #reply}
 * turns the text into the reply: Re: subject, In-Reply-To, References, plain text and signature.
 * {@link #done} and {@link #failed} decide where the mail goes once its exchange ends: the
 * processed folder, the error folder, or (camel-mail's doing) seen or unseen in the folder read.
 */
@Component("mailChannel")
public class MailChannel {

    static final String MAIL = "incomingMail";
    static final String ACTION = "mailAction";
    static final String KEY = "mailKey";
    /** Failed attempts are remembered for this many mails at most (the oldest are forgotten first). */
    private static final int REMEMBERED_FAILURES = 1000;
    private static final Logger log = LoggerFactory.getLogger(MailChannel.class);
    /** A message id: no space, no control character (one in a log line could forge another line). */
    private static final Pattern MESSAGE_ID = Pattern.compile("<[^<>\\s\\p{Cntrl}]+>");
    private static final Pattern RE = Pattern.compile("^(re|aw|sv|antw)\\s*:", Pattern.CASE_INSENSITIVE);

    static final String TOO_LARGE = "Your mail is larger than I can read (%s at most). Please send a shorter "
            + "message, without attachments.";
    static final String EMPTY = "I could not find a question in your mail. Please write it in the message body.";
    static final String UNREADABLE = "I could not read your mail (an encoding or format I do not understand). "
            + "Please send your question as plain text.";
    static final String NO_MODEL = "No model is loaded at the moment, so I cannot answer. Please try again later.";
    /** A model is being loaded or unloaded (a 503 with Retry-After): it is a matter of moments. */
    static final String LOADING = "The model is being loaded or changed right now. Please ask again in a minute.";
    static final String TOO_SLOW = "Answering took too long. Please try a shorter question, or again later.";
    static final String BAD_INPUT = "I could not use your message (it may be too long). Please send a shorter one.";
    static final String BROKEN = "Something went wrong on my side. Please try again later.";

    private final MailSettings settings;
    private final SenderAllowlist allowlist;
    /** Polls that failed per mail since start; a mail answered or given up is forgotten. */
    private final Map<String, Integer> failures = new LinkedHashMap<>() {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Integer> eldest) {
            return size() > REMEMBERED_FAILURES;
        }
    };

    /** A generated reply not sent yet, and the mail it answers. */
    private record OwedReply(IncomingMail mail, String text) {
    }

    /** Replies generated but not sent yet, per mail (in memory: after a restart a mail is answered afresh). */
    private final Map<String, OwedReply> owed = new LinkedHashMap<>() {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, OwedReply> eldest) {
            return size() > REMEMBERED_FAILURES;
        }
    };

    MailChannel(MailSettings settings) {
        this.settings = settings;
        this.allowlist = new SenderAllowlist(settings.allowedSenders());
    }

    /**
     * Reads the mail and sets the {@code mailAction} header: {@code ignore} (never answered),
     * {@code refuse} (the body is the refusal), {@code resend} (the body is a reply generated on an
     * earlier poll that could not be sent) or {@code chat}.
     */
    public Object read(Exchange exchange) throws MessagingException, IOException {
        MailMessage mailMessage = exchange.getIn(MailMessage.class);
        Message mail = mailMessage.getOriginalMessage() != null ? mailMessage.getOriginalMessage() : mailMessage.getMessage();
        String key = key(mail);
        exchange.setProperty(KEY, key);
        OwedReply owed = owedReply(key);
        if (owed != null) {
            // Answered on an earlier poll, but the reply did not go out: sent now, not generated again.
            exchange.setProperty(MAIL, owed.mail());
            return action(exchange, "resend", owed.text());
        }
        IncomingMail incoming = parseHeaders(mail);
        exchange.setProperty(MAIL, incoming);
        String own = settings.ownAddress();
        String why = null;
        if (incoming.from() == null) {
            why = "no sender";
        } else if (incoming.from().equalsIgnoreCase(own)) {
            why = "sent by the gateway itself";
        } else if (incoming.automatic() != null) {
            why = "automatic mail (" + incoming.automatic() + ")";
        } else if (AutoReplies.machineSender(incoming.from())) {
            why = "machine sender";
        } else if (!allowlist.allows(incoming.from())) {
            why = "sender not on gateway.mail.allowed-senders";
        } else if (recipient(incoming.from()) == null) {
            why = "the sender's address cannot be written as a recipient";
        }
        if (why != null) {
            log.info("Mail {} from {} not answered: {}", incoming.messageId(), incoming.from(), why);
            return action(exchange, "ignore", null);
        }
        if (incoming.size() > settings.maxSize().toBytes()) {
            // Refused before its body is read: the limit is what keeps a sender from making us parse megabytes.
            log.info("Mail {} from {} is {} bytes, over {}", incoming.messageId(), incoming.from(), incoming.size(),
                    settings.maxSize());
            return action(exchange, "refuse", TOO_LARGE.formatted(settings.maxSize().toKilobytes() + " KB"));
        }
        String text;
        try {
            text = text(mail);
        } catch (IOException | MessagingException e) {
            if (!undecodable(e)) {
                throw e; // the server's or the connection's failure, not the mail's: the next poll reads it again
            }
            // The mail's own: an encoding or a structure that cannot be decoded fails on every poll,
            // and twenty such mails would hold every later one back (a poll takes twenty).
            log.info("Mail {} from {} cannot be read: {}", incoming.messageId(), incoming.from(), e.toString());
            return action(exchange, "refuse", UNREADABLE);
        }
        incoming = incoming.withText(QuotedText.strip(text));
        exchange.setProperty(MAIL, incoming);
        if (incoming.text().isBlank()) {
            return action(exchange, "refuse", EMPTY);
        }
        return action(exchange, "chat", incoming);
    }

    private static Object action(Exchange exchange, String action, Object body) {
        exchange.getMessage().setHeader(ACTION, action);
        return body;
    }

    public ChatRequest chatRequest(@ExchangeProperty(MAIL) IncomingMail mail) {
        return ChatRequest.fromChannel(ChatRequest.MAIL, mail.from(), mail.thread(), mail.text());
    }

    /**
     * The model's answer, kept until the reply is sent ({@link #done}): if sending fails, the next
     * poll sends this text instead of generating (and storing in the conversation) another.
     */
    public String answer(ChatResponse response, @ExchangeProperty(KEY) String key,
                         @ExchangeProperty(MAIL) IncomingMail mail) {
        String text = response.response() == null ? "" : response.response().strip();
        synchronized (owed) {
            owed.put(String.valueOf(key), new OwedReply(mail, text));
        }
        return text;
    }

    private OwedReply owedReply(String key) {
        synchronized (owed) {
            return owed.get(String.valueOf(key));
        }
    }

    public String failure(@ExchangeProperty(Exchange.EXCEPTION_CAUGHT) Exception e) {
        if (e instanceof ApiException api) {
            log.info("Mail chat answered {}: {}", api.status(), api.getMessage());
            return switch (api.status()) {
                case 503 -> api.retryAfter() != null ? LOADING : NO_MODEL;
                case 504 -> TOO_SLOW;
                case 400, 413 -> BAD_INPUT;
                default -> BROKEN;
            };
        }
        log.warn("Mail chat failed: {}", e == null ? "unknown" : e.toString());
        return BROKEN;
    }

    /** Replaces every header of the incoming mail with the reply's own, and appends the signature. */
    public String reply(String text, @ExchangeProperty(MAIL) IncomingMail mail, Exchange exchange) {
        var out = exchange.getMessage();
        out.removeHeaders("*");
        out.setHeader("To", recipient(mail.from()));
        out.setHeader("From", settings.ownAddress()); // the channel does not start without one
        // An encoded subject may hold line breaks: words, not lines, in the reply's one header line.
        String subject = mail.subject() == null || mail.subject().isBlank() ? "Your message"
                : mail.subject().replaceAll("[\\r\\n]+", " ").strip();
        out.setHeader("Subject", RE.matcher(subject).find() ? subject : "Re: " + subject);
        if (mail.messageId() != null) {
            out.setHeader("In-Reply-To", mail.messageId());
            List<String> references = new ArrayList<>(mail.references());
            references.add(mail.messageId());
            out.setHeader("References", String.join(" ", shortened(references)));
        }
        out.setHeader("Auto-Submitted", "auto-replied");
        out.setHeader("Content-Type", "text/plain; charset=UTF-8");
        String signature = settings.signature() == null || settings.signature().isBlank()
                ? "" : "\n-- \n" + settings.signature().strip() + "\n";
        return text.strip() + "\n" + signature;
    }

    /**
     * A References list a header line can hold (RFC 5322: 998 octets): the thread's first id, which
     * names the thread here, and as many of the latest as fit, as RFC 5322 §3.6.4 suggests trimming it.
     */
    static List<String> shortened(List<String> references) {
        int budget = 900 - references.get(0).length();
        List<String> latest = new ArrayList<>();
        for (int i = references.size() - 1; i > 0; i--) {
            budget -= references.get(i).length() + 1;
            if (budget < 0) {
                break;
            }
            latest.add(0, references.get(i));
        }
        latest.add(0, references.get(0));
        return latest;
    }

    /**
     * The mail is done with (answered, refused or ignored): forgets its failures and, when a
     * processed folder is set, has camel-mail move it there once the exchange completes.
     */
    public void done(Exchange exchange) {
        String key = exchange.getProperty(KEY, String.class);
        forgetFailures(key);
        synchronized (owed) {
            owed.remove(String.valueOf(key));
        }
        if (settings.processedFolder() != null) {
            exchange.getIn().setHeader(MailConstants.MAIL_MOVE_TO, settings.processedFolder());
        }
    }

    /**
     * Whether the failure now being handled is the mail's last attempt, so it goes to the error
     * folder: the route's {@code handled} predicate, which Camel reads before {@link #failed} runs,
     * so it only looks and does not count.
     */
    public boolean givesUp(Exchange exchange) {
        return refusedForGood(exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Exception.class))
                || settings.errorFolder() != null && failuresOf(exchange.getProperty(KEY, String.class)) + 1
                >= settings.maxAttempts();
    }

    /**
     * The SMTP server answered 5xx (a recipient it does not know, a message it will not take): the
     * reply never goes through, so the mail is not tried again on every poll.
     */
    static boolean refusedForGood(Throwable failure) {
        // A MessagingException's cause is its next exception: the chain holds the SMTP ones.
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            int code = t instanceof SMTPAddressFailedException a ? a.getReturnCode()
                    : t instanceof SMTPSendFailedException s ? s.getReturnCode() : 0;
            if (code >= 500 && code < 600) {
                return true;
            }
        }
        return false;
    }

    /**
     * The mail could not be handled on this poll, retries included. It stays unseen for the next
     * poll, unless {@link #givesUp}: then it is moved to the error folder once the exchange ends, or,
     * refused for good by the SMTP server with no error folder set, marked seen.
     */
    public void failed(Exchange exchange) {
        String key = exchange.getProperty(KEY, String.class);
        Exception cause = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Exception.class);
        String why = cause == null ? "unknown failure" : cause.getClass().getSimpleName() + ": " + cause.getMessage();
        boolean givesUp = givesUp(exchange);
        int attempts = countFailure(key);
        if (givesUp) {
            forgetFailures(key);
            synchronized (owed) {
                owed.remove(String.valueOf(key));
            }
            if (settings.errorFolder() != null) {
                exchange.getIn().setHeader(MailConstants.MAIL_MOVE_TO, settings.errorFolder());
                log.warn("Mail {} not answered after {} attempts, moved to folder {}: {}", key, attempts,
                        settings.errorFolder(), why);
            } else {
                log.warn("Mail {} not answered: the SMTP server refused the reply for good; marked seen: {}", key, why);
            }
        } else {
            log.warn("Mail {} not answered (attempt {}), left unseen for the next poll: {}", key, attempts, why);
        }
    }

    private int failuresOf(String key) {
        synchronized (failures) {
            return failures.getOrDefault(String.valueOf(key), 0);
        }
    }

    private int countFailure(String key) {
        synchronized (failures) {
            return failures.merge(String.valueOf(key), 1, Integer::sum);
        }
    }

    private void forgetFailures(String key) {
        synchronized (failures) {
            failures.remove(String.valueOf(key));
        }
    }

    /**
     * Whether a failure reading a mail's body is the body's own (an unknown transfer encoding, broken
     * base64, a multipart without its boundary), which fails the same way on every poll. Anything
     * else (a lost connection, the server answering NO while fetching, a mail deleted meanwhile) is
     * tried again on the next poll.
     */
    static boolean undecodable(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            String message = t.getMessage() == null ? "" : t.getMessage();
            if (t instanceof DecodingException || t instanceof ParseException
                    || message.startsWith("Unknown encoding") || message.startsWith("Missing start boundary")) {
                return true;
            }
        }
        return false;
    }

    /** What names a mail across polls: its Message-ID, else its IMAP UID. */
    static String key(Message mail) throws MessagingException {
        String messageId = messageId(mail);
        if (messageId != null) {
            return messageId;
        }
        if (mail.getFolder() instanceof UIDFolder folder) {
            return "uid " + folder.getUID(mail);
        }
        return "number " + mail.getMessageNumber();
    }

    /** The whole mail, text included. */
    static IncomingMail parse(Message mail) throws MessagingException, IOException {
        return parseHeaders(mail).withText(QuotedText.strip(text(mail)));
    }

    /**
     * What the headers say, without reading the body (the text is empty). Sender and subject come
     * from the raw header lines, read leniently: the IMAP client's own getters go through the
     * server's ENVELOPE and throw on an address it finds invalid ({@code a..b@example.com}).
     */
    static IncomingMail parseHeaders(Message mail) throws MessagingException {
        String sender = sender(first(mail, "From"));
        String messageId = messageId(mail);
        List<String> references = ids(first(mail, "References"));
        for (String id : ids(first(mail, "In-Reply-To"))) {
            if (!references.contains(id)) {
                references.add(id);
            }
        }
        String automatic = AutoReplies.automatic(name -> {
            try {
                return first(mail, name);
            } catch (MessagingException e) {
                return null;
            }
        });
        return new IncomingMail(sender, subject(first(mail, "Subject")), messageId,
                references, "", size(mail), automatic);
    }

    /**
     * The mail's size in bytes, 0 when unknown. The IMAP client fetches a size along with the
     * ENVELOPE, which fails on an address it refuses; fetched alone (RFC822.SIZE) it cannot.
     */
    private static int size(Message mail) throws MessagingException {
        if (mail.getFolder() != null && mail.getFolder().isOpen()) {
            FetchProfile sizeOnly = new FetchProfile();
            sizeOnly.add(FetchProfile.Item.SIZE);
            mail.getFolder().fetch(new Message[] {mail}, sizeOnly);
        }
        return Math.max(mail.getSize(), 0);
    }

    /**
     * The sender as a recipient SMTP takes, or null: a local part that is no dot-atom, as real mail
     * has ({@code a..b@example.com}), is quoted, the way RFC 5321 writes it ({@code "a..b"@example.com}).
     */
    static String recipient(String address) {
        if (address == null) {
            return null;
        }
        if (valid(address)) {
            return address;
        }
        int at = address.lastIndexOf('@');
        if (at > 0 && address.indexOf('"') < 0 && address.indexOf('\\') < 0) {
            String quoted = "\"" + address.substring(0, at) + "\"" + address.substring(at);
            if (valid(quoted)) {
                return quoted;
            }
        }
        return null;
    }

    private static boolean valid(String address) {
        try {
            new InternetAddress(address, true).validate();
            return true;
        } catch (AddressException e) {
            return false;
        }
    }

    /** The first mailbox of a From line, lower-cased; null when there is none. */
    static String sender(String from) {
        if (from == null) {
            return null;
        }
        try {
            // A group ("undisclosed-recipients:;") names nobody to answer.
            for (InternetAddress address : InternetAddress.parseHeader(from, false)) {
                String mailbox = address.getAddress();
                // "Alice <alice@ex.com" (no '>') parses leniently into "alice <alice@ex.com": no address at all
                if (!address.isGroup() && mailbox != null && mailbox.contains("@") && mailbox.indexOf('<') < 0
                        && mailbox.indexOf('>') < 0) {
                    return mailbox.strip().toLowerCase(Locale.ROOT);
                }
            }
            return null;
        } catch (AddressException e) {
            return null;
        }
    }

    /** A Subject line unfolded and decoded (RFC 2047), as {@link Message#getSubject()} gives it. */
    private static String subject(String raw) {
        if (raw == null) {
            return null;
        }
        String unfolded = MimeUtility.unfold(raw);
        try {
            return MimeUtility.decodeText(unfolded);
        } catch (UnsupportedEncodingException e) {
            return unfolded;
        }
    }

    /**
     * The {@code <id>} of the Message-ID header, null when it names none: the sender writes the header,
     * and what else it holds (a folded line, escape sequences) would reach the logs and the reply's
     * In-Reply-To.
     */
    private static String messageId(Message mail) throws MessagingException {
        List<String> ids = ids(first(mail, "Message-ID"));
        return ids.isEmpty() ? null : ids.get(0);
    }

    private static String first(Message mail, String header) throws MessagingException {
        String[] values = mail.getHeader(header);
        return values == null || values.length == 0 ? null : values[0];
    }

    private static List<String> ids(String header) {
        List<String> ids = new ArrayList<>();
        if (header != null) {
            Matcher m = MESSAGE_ID.matcher(header);
            while (m.find()) {
                ids.add(m.group());
            }
        }
        return ids;
    }

    /** The plain text of a mail: its text/plain part, else its text/html part as text; attachments skipped. */
    static String text(Part part) throws MessagingException, IOException {
        String plain = find(part, "text/plain");
        if (plain != null && !plain.isBlank()) {
            return plain;
        }
        // Some clients send an empty text/plain beside the HTML that holds the words.
        String html = find(part, "text/html");
        return html == null ? "" : HtmlText.toText(html);
    }

    private static String find(Part part, String type) throws MessagingException, IOException {
        if (Part.ATTACHMENT.equalsIgnoreCase(part.getDisposition())) {
            return null;
        }
        if (part.isMimeType(type)) {
            try {
                Object content = part.getContent();
                return content instanceof String s ? s : null;
            } catch (UnsupportedEncodingException e) {
                // A charset Java does not know ("unknown-8bit" is common): read as UTF-8, whose
                // ASCII every such charset shares, rather than leave the mail unanswered on every poll.
                try (InputStream in = part.getInputStream()) {
                    return new String(in.readAllBytes(), StandardCharsets.UTF_8);
                }
            }
        }
        if (part.isMimeType("multipart/*") && part.getContent() instanceof Multipart multipart) {
            for (int i = 0; i < multipart.getCount(); i++) {
                BodyPart child = multipart.getBodyPart(i);
                String found = find(child, type);
                if (found != null) {
                    return found;
                }
            }
        }
        return null;
    }
}
