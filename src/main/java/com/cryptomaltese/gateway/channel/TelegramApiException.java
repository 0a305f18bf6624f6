package com.cryptomaltese.gateway.channel;

import java.time.Duration;

/**
 * A failed Bot API call, described without its URL: the URL holds the bot token, which must never
 * reach a log. {@code status} is the HTTP status (0 when no answer arrived).
 */
public class TelegramApiException extends RuntimeException {

    private final int status;
    private final Duration retryAfter;
    private final Long migratedTo;

    TelegramApiException(String method, int status, String description, Duration retryAfter) {
        this(method, status, description, retryAfter, null);
    }

    TelegramApiException(String method, int status, String description, Duration retryAfter, Long migratedTo) {
        super("Telegram " + method + " failed: " + (status == 0 ? "" : status + " ") + description
                + (retryAfter == null ? "" : " (retry after " + retryAfter.toSeconds() + " s)"));
        this.status = status;
        this.retryAfter = retryAfter;
        this.migratedTo = migratedTo;
    }

    public int status() {
        return status;
    }

    /** Telegram's {@code parameters.retry_after} of a 429, or null. */
    public Duration retryAfter() {
        return retryAfter;
    }

    /** Telegram's {@code parameters.migrate_to_chat_id}: the group became this supergroup; or null. */
    public Long migratedTo() {
        return migratedTo;
    }

    /** Worth trying again later: flood control, a server error or no answer at all. */
    public boolean transientFailure() {
        return status == 429 || status == 0 || status >= 500;
    }
}
