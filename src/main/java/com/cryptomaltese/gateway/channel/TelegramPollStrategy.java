package com.cryptomaltese.gateway.channel;

import java.time.Duration;

import org.apache.camel.Consumer;
import org.apache.camel.Endpoint;
import org.apache.camel.spi.PollingConsumerPollStrategy;
import org.apache.camel.support.service.ServiceSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.stereotype.Component;

/**
 * How the Telegram consumer ({@link TelegramUpdatesConsumer}) lives through failures of getUpdates
 * or of an update's reply: a 429 waits Telegram's {@code retry_after}, other failures back off
 * (1 s doubling to 60 s), and then the poll is retried from the offset of the first update not
 * handled, so no update is skipped. Failures are logged as Bot API method, status and description
 * (never a URL, which would hold the token), not by Camel's default poll-error logging.
 */
@Component("telegramPollStrategy")
class TelegramPollStrategy implements PollingConsumerPollStrategy {

    private static final Logger log = LoggerFactory.getLogger(TelegramPollStrategy.class);
    private static final Duration MAX_BACKOFF = Duration.ofSeconds(60);

    private final TelegramSettings settings;
    private final TelegramBotApi.Sleeper sleeper;

    @Autowired
    TelegramPollStrategy(TelegramSettings settings) {
        this(settings, d -> Thread.sleep(d.toMillis()));
    }

    TelegramPollStrategy(TelegramSettings settings, TelegramBotApi.Sleeper sleeper) {
        this.settings = settings;
        this.sleeper = sleeper;
    }

    @Override
    public boolean begin(Consumer consumer, Endpoint endpoint) {
        return true;
    }

    @Override
    public void commit(Consumer consumer, Endpoint endpoint, int polledMessages) {
    }

    @Override
    public boolean rollback(Consumer consumer, Endpoint endpoint, int retryCounter, Exception cause) {
        if (consumer instanceof ServiceSupport service && !service.isRunAllowed()) {
            log.info("Telegram poll failed while stopping: {}", describe(cause));
            return false;
        }
        Duration wait = waitAfter(cause, retryCounter);
        log.warn("Telegram poll failed: {}; polling again in {} ms", describe(cause), wait.toMillis());
        try {
            sleeper.sleep(wait);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
        return true;
    }

    Duration waitAfter(Exception cause, int retryCounter) {
        if (cause instanceof TelegramApiException t && t.retryAfter() != null) {
            Duration asked = t.retryAfter();
            return asked.compareTo(settings.maxRetryAfter()) <= 0 ? asked : settings.maxRetryAfter();
        }
        long seconds = 1L << Math.min(Math.max(retryCounter, 0), 6);
        Duration backoff = Duration.ofSeconds(seconds);
        return backoff.compareTo(MAX_BACKOFF) <= 0 ? backoff : MAX_BACKOFF;
    }

    /** A Bot API failure's own message (method, status, description), else the exception type only. */
    static String describe(Exception cause) {
        if (cause instanceof TelegramApiException t) {
            return t.getMessage();
        }
        Throwable root = cause;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return cause.getClass().getSimpleName() + (root == cause ? "" : " (" + root.getClass().getSimpleName() + ")");
    }
}
