package com.cryptomaltese.gateway.channel;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.stereotype.Component;

/**
 * The Bot API calls of the Telegram channel: getUpdates, sendMessage, sendChatAction and getMe,
 * against {@code gateway.telegram.api-url}. Failures are described by method, status and
 * Telegram's description, never by URL (the URL holds the token); 429's retry_after is honoured.
 */
@Component
final class TelegramBotApi {

    private static final Logger log = LoggerFactory.getLogger(TelegramBotApi.class);
    private static final ObjectMapper JSON = new ObjectMapper()
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);
    /** How much longer than the long-polling timeout a getUpdates answer may take to arrive. */
    private static final Duration POLL_GRACE = Duration.ofSeconds(15);
    private static final Duration FIRST_BACKOFF = Duration.ofMillis(500);

    interface Sleeper {
        void sleep(Duration duration) throws InterruptedException;
    }

    private final TelegramSettings settings;
    private final HttpClient http;
    private final Sleeper sleeper;

    @Autowired
    TelegramBotApi(TelegramSettings settings) {
        this(settings, d -> Thread.sleep(d.toMillis()));
    }

    TelegramBotApi(TelegramSettings settings, Sleeper sleeper) {
        this.settings = settings;
        this.sleeper = sleeper;
        this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    }

    /**
     * One long poll: the updates after {@code offset} (all unconfirmed ones when null), waiting up
     * to the poll timeout for the first. Asking with an offset confirms every update before it, so
     * the caller passes one past the last update it has handled. Only new messages are asked for.
     */
    List<TelegramUpdate> getUpdates(Long offset) {
        ObjectNode params = JSON.createObjectNode().put("timeout", settings.pollTimeoutSeconds());
        if (offset != null) {
            params.put("offset", offset);
        }
        params.putArray("allowed_updates").add("message");
        Duration timeout = Duration.ofSeconds(settings.pollTimeoutSeconds()).plus(POLL_GRACE);
        JsonNode result = call("getUpdates", params, timeout);
        if (!result.isArray()) {
            throw new TelegramApiException("getUpdates", 200, "the result is not a list", null);
        }
        return updates(result);
    }

    /**
     * The updates of a getUpdates result. An entry without an update id (a number, null) names
     * nothing to skip past and is left out: read as id 0 it moved the offset back to the start, and
     * a null failed every poll.
     */
    static List<TelegramUpdate> updates(JsonNode result) {
        List<TelegramUpdate> updates = new ArrayList<>();
        for (JsonNode entry : result) {
            JsonNode id = entry.path("update_id");
            if (!entry.isObject() || !id.isIntegralNumber() || !id.canConvertToLong()) {
                log.warn("Telegram getUpdates entry without an update id ignored");
                continue;
            }
            updates.add(update(entry));
        }
        return updates;
    }

    /**
     * Confirms every update below {@code offset} without waiting for new ones (a getUpdates with no
     * timeout, whose answer is not handled: those updates stay unconfirmed). Telegram learns what was
     * handled only from the next getUpdates, and at a stop there is none: without this, updates
     * answered last came again after a restart and were answered twice.
     */
    void confirm(long offset) {
        ObjectNode params = JSON.createObjectNode().put("timeout", 0).put("offset", offset).put("limit", 1);
        params.putArray("allowed_updates").add("message");
        call("getUpdates", params, POLL_GRACE);
    }

    /** One entry; a message that does not read as one is kept as a bare update id, so it is skipped, not retried. */
    static TelegramUpdate update(JsonNode entry) {
        try {
            return JSON.treeToValue(entry, TelegramUpdate.class);
        } catch (IOException | IllegalArgumentException e) {
            log.warn("Telegram update {} not readable, skipped: {}", entry.path("update_id").asLong(),
                    e.getClass().getSimpleName());
            return new TelegramUpdate(entry.path("update_id").asLong(), null);
        }
    }

    /**
     * Sends one message, as a reply to {@code replyTo} when given; retries what Telegram asks to
     * retry. Returns the message sent: its chat is a new one when the group was upgraded to a
     * supergroup meanwhile (Telegram refuses the old id and names the new one), where the message
     * goes instead, on its own, since message ids do not carry over to the supergroup.
     */
    JsonNode sendMessage(String chatId, String text, Long replyTo) {
        try {
            return callWithRetries("sendMessage", message(chatId, text, replyTo));
        } catch (TelegramApiException e) {
            if (e.migratedTo() == null) {
                throw e;
            }
            log.info("Telegram chat {} became supergroup {}; the reply goes there", chatId, e.migratedTo());
            return callWithRetries("sendMessage", message(String.valueOf(e.migratedTo()), text, null));
        }
    }

    private static ObjectNode message(String chatId, String text, Long replyTo) {
        ObjectNode params = JSON.createObjectNode().put("chat_id", chatId).put("text", text);
        if (replyTo != null) {
            // The message may be deleted meanwhile: the answer is still worth sending.
            params.put("reply_to_message_id", replyTo).put("allow_sending_without_reply", true);
        }
        return params;
    }

    /** One "typing…" indication; failures only cost the indication, so they are not retried. */
    void sendChatAction(String chatId, String action) {
        call("sendChatAction", JSON.createObjectNode().put("chat_id", chatId).put("action", action));
    }

    JsonNode getMe() {
        return callWithRetries("getMe", JSON.createObjectNode());
    }

    JsonNode callWithRetries(String method, ObjectNode params) {
        Duration backoff = FIRST_BACKOFF;
        for (int attempt = 1; ; attempt++) {
            try {
                return call(method, params);
            } catch (TelegramApiException e) {
                if (!e.transientFailure() || attempt >= settings.sendAttempts()) {
                    throw e;
                }
                Duration wait = e.retryAfter() != null ? min(e.retryAfter(), settings.maxRetryAfter()) : backoff;
                backoff = min(backoff.multipliedBy(2), Duration.ofSeconds(30));
                log.warn("{}; attempt {} of {} in {} ms", e.getMessage(), attempt + 1, settings.sendAttempts(),
                        wait.toMillis());
                try {
                    sleeper.sleep(wait);
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    throw e;
                }
            }
        }
    }

    JsonNode call(String method, ObjectNode params) {
        return call(method, params, Duration.ofSeconds(30));
    }

    private JsonNode call(String method, ObjectNode params, Duration timeout) {
        HttpRequest request = HttpRequest.newBuilder()
                .uri(URI.create(settings.apiUrlWithoutSlash() + "/bot" + settings.token() + "/" + method))
                .timeout(timeout)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(params.toString(), StandardCharsets.UTF_8))
                .build();
        HttpResponse<String> response;
        try {
            response = http.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new TelegramApiException(method, 0, e.getClass().getSimpleName(), null);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TelegramApiException(method, 0, "interrupted", null);
        }
        JsonNode body = parse(response.body());
        if (response.statusCode() == 200 && body.path("ok").asBoolean(false)) {
            return body.path("result");
        }
        throw failure(method, response.statusCode(), body);
    }

    /**
     * A Bot API error answer ({"ok":false,"error_code":429,"description":…,"parameters":{"retry_after":3}},
     * or a 400 with {"migrate_to_chat_id":…}). A retry_after that is no positive number of seconds
     * counts as absent: the usual backoff applies (a negative one failed the wait and lost the reply,
     * 0 polled in a tight loop).
     */
    static TelegramApiException failure(String method, int httpStatus, JsonNode body) {
        int status = body.path("error_code").asInt(httpStatus);
        String description = body.path("description").asText("no description");
        JsonNode retryAfter = body.path("parameters").path("retry_after");
        JsonNode migratedTo = body.path("parameters").path("migrate_to_chat_id");
        return new TelegramApiException(method, status, description,
                retryAfter.canConvertToLong() && retryAfter.asLong() > 0 ? Duration.ofSeconds(retryAfter.asLong()) : null,
                migratedTo.canConvertToLong() ? migratedTo.asLong() : null);
    }

    static JsonNode parse(String body) {
        try {
            return body == null || body.isBlank() ? JSON.createObjectNode() : JSON.readTree(body);
        } catch (IOException e) {
            return JSON.createObjectNode();
        }
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }
}
