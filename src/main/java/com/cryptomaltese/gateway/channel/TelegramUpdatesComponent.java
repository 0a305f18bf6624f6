package com.cryptomaltese.gateway.channel;

import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

import org.apache.camel.Endpoint;
import org.apache.camel.support.DefaultComponent;
import org.springframework.stereotype.Component;

/**
 * The Camel component behind {@code from: telegram-updates:...} in routes/telegram.yaml: a
 * getUpdates long-poll whose offset moves past an update only once its exchange succeeded.
 * camel-telegram's consumer cannot serve the route: it moves the offset past a whole batch
 * whatever became of it, and its message model drops {@code reply_to_message}.
 * Scheduled-poll options (delay, pollStrategy, …) are set on the URI as with any polling endpoint.
 */
@Component("telegram-updates")
class TelegramUpdatesComponent extends DefaultComponent {

    private final TelegramBotApi api;
    /** The consumer polling now: Telegram ends one of two concurrent getUpdates with 409 Conflict. */
    private final AtomicReference<TelegramUpdatesConsumer> polling = new AtomicReference<>();

    TelegramUpdatesComponent(TelegramBotApi api) {
        this.api = api;
    }

    void startPolling(TelegramUpdatesConsumer consumer) {
        if (!polling.compareAndSet(null, consumer) && polling.get() != consumer) {
            throw new IllegalStateException("another route already polls Telegram getUpdates; one consumer only");
        }
    }

    void stopPolling(TelegramUpdatesConsumer consumer) {
        polling.compareAndSet(consumer, null);
    }

    @Override
    protected Endpoint createEndpoint(String uri, String remaining, Map<String, Object> parameters) throws Exception {
        TelegramUpdatesEndpoint endpoint = new TelegramUpdatesEndpoint(uri, this, api);
        setProperties(endpoint, parameters);
        return endpoint;
    }
}
