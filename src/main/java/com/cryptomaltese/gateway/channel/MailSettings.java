package com.cryptomaltese.gateway.channel;

import java.util.List;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

/**
 * {@code gateway.mail.*}: the e-mail channel (routes/mail.yaml). It runs only when both
 * {@code imap-uri} and {@code smtp-uri} are set (env {@code GATEWAY_MAIL_IMAP_URI},
 * {@code GATEWAY_MAIL_SMTP_URI}).
 *
 * @param imapUri        where mail is read, {@code imaps://imap.example.com:993} (or {@code imap://})
 * @param smtpUri        where replies are sent, {@code smtps://smtp.example.com:465} (or {@code smtp://})
 * @param address        the gateway's own address: the From of replies, and never answered itself
 * @param allowedSenders addresses, domains or {@code *.domain} patterns; empty lets everybody in
 * @param maxSize        larger mails get a short refusal instead of an answer
 * @param signature      appended to every reply below a "-- " line
 * @param username       login of both IMAP and SMTP (env {@code GATEWAY_MAIL_USERNAME})
 * @param password       password of both (env {@code GATEWAY_MAIL_PASSWORD}); never logged
 * @param processedFolder where answered and deliberately ignored mail is moved (created when missing);
 *                        unset: it stays in the folder read, marked seen
 * @param errorFolder     where a mail goes whose reply failed on {@code maxAttempts} polls; unset: it
 *                        stays unseen and is tried on every poll
 * @param maxAttempts     polls (each with its SMTP retries) a mail may fail before it goes to the error folder
 */
@ConfigurationProperties("gateway.mail")
public record MailSettings(
        String imapUri,
        String smtpUri,
        String address,
        @DefaultValue List<String> allowedSenders,
        @DefaultValue("256KB") DataSize maxSize,
        @DefaultValue("Maltese AI gateway") String signature,
        String username,
        String password,
        String processedFolder,
        String errorFolder,
        @DefaultValue("5") int maxAttempts) {

    public MailSettings {
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("gateway.mail.max-attempts must be at least 1, was " + maxAttempts);
        }
        processedFolder = blankToNull(processedFolder);
        errorFolder = blankToNull(errorFolder);
        // (The accessors read fields, which a compact constructor assigns only at its end.)
        if (present(imapUri) && present(smtpUri) && ownAddress(address, username) == null) {
            // Replies would go without a From, and the gateway's own mail would not be known as its own.
            throw new IllegalArgumentException("the mail channel needs its own address: set GATEWAY_MAIL_ADDRESS "
                    + "(gateway.mail.address), or log in with an e-mail address as GATEWAY_MAIL_USERNAME");
        }
    }

    private static String blankToNull(String value) {
        return value == null || value.isBlank() ? null : value.strip();
    }

    /** The From of replies: the configured address, else the login when it is an address. */
    public String ownAddress() {
        return ownAddress(address, username);
    }

    private static String ownAddress(String address, String username) {
        if (present(address)) {
            return address.strip();
        }
        return username != null && username.contains("@") ? username.strip() : null;
    }

    public boolean enabled() {
        return present(imapUri) && present(smtpUri);
    }

    private static boolean present(String value) {
        return value != null && !value.isBlank();
    }
}
