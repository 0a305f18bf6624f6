package com.cryptomaltese.gateway.channel;

import org.apache.camel.Consumer;
import org.apache.camel.Endpoint;
import org.apache.camel.spi.PollingConsumerPollStrategy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * How the IMAP consumer of routes/mail.yaml lives through a poll that fails as a whole (a folder
 * that does not exist, a refused login, the server unreachable): one warning line per poll naming
 * the failure, and the next scheduled poll tries again. Camel's default wrote a full stack trace
 * on every poll, every 30 s, for as long as the setting stayed wrong.
 */
@Component("mailPollStrategy")
class MailPollStrategy implements PollingConsumerPollStrategy {

    private static final Logger log = LoggerFactory.getLogger(MailPollStrategy.class);

    @Override
    public boolean begin(Consumer consumer, Endpoint endpoint) {
        return true;
    }

    @Override
    public void commit(Consumer consumer, Endpoint endpoint, int polledMessages) {
    }

    /** Logs the failure and leaves the retry to the next scheduled poll (false: no immediate retry). */
    @Override
    public boolean rollback(Consumer consumer, Endpoint endpoint, int retryCounter, Exception cause) {
        log.warn("Mail poll failed, trying again at the next poll: {}", describe(cause));
        return false;
    }

    /** The failure and its innermost cause, type and message, on one line. */
    static String describe(Throwable cause) {
        Throwable root = cause;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String text = cause.getClass().getSimpleName() + ": " + cause.getMessage();
        return root == cause ? text : text + " (" + root.getClass().getSimpleName() + ": " + root.getMessage() + ")";
    }
}
