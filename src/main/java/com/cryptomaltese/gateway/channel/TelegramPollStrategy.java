package com.cryptomaltese.gateway.channel;

import java.time.Duration;

import com.fasterxml.jackson.databind.JsonNode;
import org.apache.camel.Consumer;
import org.apache.camel.Endpoint;
import org.apache.camel.component.telegram.TelegramException;
import org.apache.camel.spi.PollingConsumerPollStrategy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.stereotype.Component;

/**
 * How the Telegram consumer (camel-telegram's getUpdates loop) lives through failures: a 429 waits
 * Telegram's {@code retry_after}, other failures back off (1 s doubling to 60 s), and then the poll
 * is retried with the same offset, so no update is skipped. camel-telegram's exception messages
 * contain the request URL with the bot token, so they are logged here as status and description
 * only, and never reach Camel's default poll-error logging.
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
        Duration wait = waitAfter(cause, retryCounter);
        log.warn("Telegram getUpdates failed: {}; polling again in {} ms", describe(cause), wait.toMillis());
        try {
            sleeper.sleep(wait);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
        return true;
    }

    Duration waitAfter(Exception cause, int retryCounter) {
        if (cause instanceof TelegramException t && t.getHttpResponseCode() == 429) {
            JsonNode retryAfter = TelegramBotApi.parse(t.getHttpResponseStatus()).path("parameters").path("retry_after");
            if (retryAfter.canConvertToLong()) {
                Duration asked = Duration.ofSeconds(retryAfter.asLong());
                return asked.compareTo(settings.maxRetryAfter()) <= 0 ? asked : settings.maxRetryAfter();
            }
        }
        long seconds = 1L << Math.min(Math.max(retryCounter, 0), 6);
        Duration backoff = Duration.ofSeconds(seconds);
        return backoff.compareTo(MAX_BACKOFF) <= 0 ? backoff : MAX_BACKOFF;
    }

    /** Status and Telegram's description, or the exception type: never the message (it holds the URL). */
    static String describe(Exception cause) {
        if (cause instanceof TelegramException t && t.getHttpResponseCode() > 0) {
            JsonNode body = TelegramBotApi.parse(t.getHttpResponseStatus());
            return t.getHttpResponseCode() + " " + body.path("description").asText("");
        }
        Throwable root = cause;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return cause.getClass().getSimpleName() + (root == cause ? "" : " (" + root.getClass().getSimpleName() + ")");
    }
}
