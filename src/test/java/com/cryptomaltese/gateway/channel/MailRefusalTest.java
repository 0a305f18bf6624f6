package com.cryptomaltese.gateway.channel;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.time.Duration;
import java.util.List;

import com.cryptomaltese.gateway.api.ApiException;
import jakarta.mail.Address;
import jakarta.mail.FolderClosedException;
import jakarta.mail.MessagingException;
import jakarta.mail.internet.InternetAddress;
import org.apache.camel.Exchange;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.DefaultExchange;
import org.eclipse.angus.mail.smtp.SMTPAddressFailedException;
import org.eclipse.angus.mail.smtp.SMTPSendFailedException;
import org.eclipse.angus.mail.util.DecodingException;
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

    /** A model being loaded (503 with Retry-After) is a matter of moments; none loaded is not: each is told as such. */
    @Test
    void aModelBeingLoadedIsToldApartFromNoModel() {
        assertThat(channel.failure(ApiException.unavailable("model x is loading; retry shortly", Duration.ofSeconds(5))))
                .isEqualTo(MailChannel.LOADING);
        assertThat(channel.failure(ApiException.unavailable("no model is loaded", null))).isEqualTo(MailChannel.NO_MODEL);
    }

    /** Only a body that cannot be decoded is refused; the server's or the connection's failures are tried again. */
    @Test
    void onlyABodyThatCannotBeDecodedIsRefusedWhenAMailCannotBeRead() {
        assertThat(MailChannel.undecodable(new IOException(new MessagingException("Unknown encoding: x-weird")))).isTrue();
        assertThat(MailChannel.undecodable(new MessagingException("Missing start boundary"))).isTrue();
        assertThat(MailChannel.undecodable(new DecodingException("BASE64Decoder: Error in encoded stream"))).isTrue();
        assertThat(MailChannel.undecodable(new MessagingException("fetch", new FolderClosedException(null)))).isFalse();
        assertThat(MailChannel.undecodable(new IOException("NO [UNAVAILABLE] try again later"))).isFalse();
        assertThat(MailChannel.undecodable(new IOException(new MessagingException()))).isFalse();
    }

    private boolean givesUp(Exception failure) {
        Exchange exchange = new DefaultExchange(new DefaultCamelContext());
        exchange.setProperty(MailChannel.KEY, "<m@users.test>");
        exchange.setProperty(Exchange.EXCEPTION_CAUGHT, failure);
        return channel.givesUp(exchange);
    }
}
