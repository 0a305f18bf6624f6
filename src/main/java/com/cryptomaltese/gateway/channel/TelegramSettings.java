package com.cryptomaltese.gateway.channel;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * {@code gateway.telegram.*}: the Telegram channel (routes/telegram.yaml). It runs only when a bot
 * token is configured (env {@code TELEGRAM_BOT_TOKEN}).
 *
 * @param token              the bot token; never logged
 * @param apiUrl             Bot API base URL, {@code https://api.telegram.org} or a test server
 * @param botUsername        the bot's @username for mentions in groups; asked from getMe when unset
 * @param allowedUsers       Telegram user ids allowed to chat; empty lets everybody in
 * @param rateLimit          messages one user may send per {@code rateWindow}
 * @param typingInterval     how often "typing…" is repeated while the model writes (Telegram shows it 5 s)
 * @param maxMessageChars    Telegram's limit for one message; longer replies are split
 * @param pollTimeoutSeconds long-polling timeout of getUpdates
 * @param sendAttempts       attempts of one Bot API call before the reply is given up (429 waits retry_after)
 * @param maxRetryAfter      longest wait for a 429's retry_after before the next attempt
 */
@ConfigurationProperties("gateway.telegram")
public record TelegramSettings(
        String token,
        @DefaultValue("https://api.telegram.org") String apiUrl,
        String botUsername,
        @DefaultValue List<Long> allowedUsers,
        @DefaultValue("10") int rateLimit,
        @DefaultValue("1m") Duration rateWindow,
        @DefaultValue("4s") Duration typingInterval,
        @DefaultValue("4096") int maxMessageChars,
        @DefaultValue("25") int pollTimeoutSeconds,
        @DefaultValue("6") int sendAttempts,
        @DefaultValue("60s") Duration maxRetryAfter) {

    public TelegramSettings {
        // "1001,1002," or a blank TELEGRAM_ALLOWED_USERS binds empty elements as null.
        allowedUsers = allowedUsers == null ? List.of() : allowedUsers.stream().filter(Objects::nonNull).toList();
    }

    public boolean enabled() {
        return token != null && !token.isBlank();
    }

    /** The API root without the token, safe to log. */
    public String apiUrlWithoutSlash() {
        return apiUrl.endsWith("/") ? apiUrl.substring(0, apiUrl.length() - 1) : apiUrl;
    }
}
