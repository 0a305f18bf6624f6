package com.cryptomaltese.gateway.channel;

import java.io.IOException;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.Map;

import jakarta.mail.Header;
import jakarta.mail.Message;
import jakarta.mail.MessagingException;
import org.apache.camel.Exchange;
import org.apache.camel.component.mail.MailBinding;
import org.apache.camel.component.mail.MailHeaderFilterStrategy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * camel-mail's binding, for the inbox route, with headers that can always be read. The IMAP client
 * builds a mail's sender and date from the server's ENVELOPE and refuses an address it finds
 * invalid ({@code a..b@example.com}, which real mail carries): camel-mail then failed whenever the
 * exchange's headers were first read, inside its own error handling too, so such a mail was never
 * answered nor given up, and 20 of them blocked every later mail. Then the raw header lines serve.
 */
@Component("tolerantMailBinding")
public class TolerantMailBinding extends MailBinding {

    private static final Logger log = LoggerFactory.getLogger(TolerantMailBinding.class);

    /**
     * As camel-mail builds the route's own binding, with {@code mapMailMessage} off: the body is read
     * by the channel when it decides to (never for a mail over the size limit), not by a header read.
     */
    TolerantMailBinding() {
        super(new MailHeaderFilterStrategy(), null, false, false, false, null, null);
    }

    @Override
    protected Map<String, Object> extractHeadersFromMail(Message mailMessage, Exchange exchange)
            throws MessagingException, IOException {
        try {
            return super.extractHeadersFromMail(mailMessage, exchange);
        } catch (MessagingException | IOException | RuntimeException e) {
            log.debug("Mail headers read from the raw lines: {}", e.getMessage());
            Map<String, Object> headers = new LinkedHashMap<>();
            Enumeration<Header> lines = mailMessage.getAllHeaders();
            while (lines.hasMoreElements()) {
                Header line = lines.nextElement();
                headers.putIfAbsent(line.getName(), line.getValue());
            }
            return headers;
        }
    }
}
