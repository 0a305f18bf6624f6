package com.cryptomaltese.gateway.channel;

import java.util.Map;

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

    TelegramUpdatesComponent(TelegramBotApi api) {
        this.api = api;
    }

    @Override
    protected Endpoint createEndpoint(String uri, String remaining, Map<String, Object> parameters) throws Exception {
        TelegramUpdatesEndpoint endpoint = new TelegramUpdatesEndpoint(uri, this, api);
        setProperties(endpoint, parameters);
        return endpoint;
    }
}
