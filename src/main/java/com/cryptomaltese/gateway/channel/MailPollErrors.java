package com.cryptomaltese.gateway.channel;

import com.cryptomaltese.gateway.ConsumerFailures;
import com.cryptomaltese.gateway.Failures;
import org.apache.camel.Exchange;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * What the IMAP consumer of routes/mail.yaml cannot hand to the route. A poll that fails as a whole
 * (a folder that does not exist, a refused login, the server unreachable) is one warning line naming
 * the failure, and the next scheduled poll tries again: Camel's own handler wrote a full stack trace
 * on every poll, for as long as the setting stayed wrong. A mail whose exchange failed was logged by
 * {@link MailChannel#failed} already and stays unseen for the next poll.
 */
@Component("mailPollErrors")
class MailPollErrors implements ConsumerFailures {

    private static final Logger log = LoggerFactory.getLogger(MailPollErrors.class);

    @Override
    public void handleException(String message, Exchange exchange, Throwable exception) {
        if (exchange != null) {
            log.debug("Mail exchange failed, the mail stays unseen for the next poll: {}", Failures.oneLine(exception));
        } else {
            log.warn("Mail poll failed, trying again at the next poll: {}", Failures.oneLine(exception));
        }
    }
}
