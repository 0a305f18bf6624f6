package com.cryptomaltese.gateway.channel;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.util.List;

import jakarta.mail.Address;
import jakarta.mail.MessagingException;
import jakarta.mail.internet.InternetAddress;
import org.apache.camel.Exchange;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.DefaultExchange;
import org.eclipse.angus.mail.smtp.SMTPAddressFailedException;
import org.eclipse.angus.mail.smtp.SMTPSendFailedException;
import org.junit.jupiter.api.Test;
import org.springframework.util.unit.DataSize;

/**
 * A reply the SMTP server refuses for good (5xx) is given up at once, error folder or not; a
 * passing failure (4xx, a dropped connection) is tried on the next poll. Built as the Angus SMTP
 * client reports them: GreenMail answers no 5xx.
 */
class MailRefusalTest {

    private final MailChannel channel = new MailChannel(new MailSettings("imap://x", "smtp://x", "bot@maltese.test",
            List.of(), DataSize.ofKilobytes(256), "sig", null, null, null, null, 5));

    @Test
    void aRecipientTheServerDoesNotKnowIsGivenUpAtOnce() throws Exception {
        SMTPAddressFailedException unknown = new SMTPAddressFailedException(new InternetAddress("gone@users.test"),
                "RCPT TO:<gone@users.test>", 550, "550 5.1.1 no such user");
        SMTPSendFailedException send = new SMTPSendFailedException("RCPT", 550, "Invalid Addresses", unknown,
                new Address[0], new Address[0], new Address[] {new InternetAddress("gone@users.test")});
        assertThat(givesUp(send)).isTrue();
        assertThat(givesUp(new RuntimeException("wrapped by Camel", send))).isTrue();
    }

    @Test
    void passingFailuresAreTriedOnTheNextPoll() throws Exception {
        assertThat(givesUp(new SMTPSendFailedException("DATA", 451, "451 4.3.0 try again later", null,
                new Address[0], new Address[0], new Address[0]))).isFalse();
        assertThat(givesUp(new MessagingException("connection dropped", new IOException("reset")))).isFalse();
        assertThat(givesUp(null)).isFalse();
    }

    private boolean givesUp(Exception failure) {
        Exchange exchange = new DefaultExchange(new DefaultCamelContext());
        exchange.setProperty(MailChannel.KEY, "<m@users.test>");
        exchange.setProperty(Exchange.EXCEPTION_CAUGHT, failure);
        return channel.givesUp(exchange);
    }
}
