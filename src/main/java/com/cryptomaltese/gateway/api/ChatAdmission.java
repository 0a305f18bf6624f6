package com.cryptomaltese.gateway.api;

import java.time.Duration;
import java.util.concurrent.Semaphore;

import com.cryptomaltese.gateway.GatewayProperties;
import org.apache.camel.Exchange;
import org.apache.camel.support.SynchronizationAdapter;
import org.springframework.stereotype.Component;

/**
 * How many chats the API takes on at once ({@code gateway.chat.max-queued}): the model answers one
 * at a time, so the others wait, each holding a request thread, until their deadline. Past the limit
 * a chat is told at once that the model is busy (503 with {@code Retry-After}), as Ollama does when
 * its queue is full, instead of joining a wait it would likely not survive. Telegram and mail are not
 * counted: each answers its messages one after another.
 */
@Component
public class ChatAdmission {

    static final Duration RETRY_WHEN_BUSY = Duration.ofSeconds(2);

    private final int limit;
    private final Semaphore places;

    ChatAdmission(GatewayProperties properties) {
        this.limit = properties.chat().maxQueued();
        this.places = new Semaphore(limit);
    }

    /** Chats being answered or waiting now. */
    public int admitted() {
        return limit - places.availablePermits();
    }

    public int limit() {
        return limit;
    }

    /**
     * Takes a place for the exchange's chat, given back once its response is written (a streamed one's
     * to the end), or refuses it.
     */
    public void enter(Exchange exchange) {
        if (!places.tryAcquire()) {
            throw ApiException.unavailable("the model is busy: " + limit + (limit == 1 ? " chat is" : " chats are")
                    + " being answered or waiting (gateway.chat.max-queued); retry shortly", RETRY_WHEN_BUSY);
        }
        exchange.getExchangeExtension().addOnCompletion(new SynchronizationAdapter() {
            @Override
            public void onDone(Exchange done) {
                places.release();
            }
        });
    }
}
