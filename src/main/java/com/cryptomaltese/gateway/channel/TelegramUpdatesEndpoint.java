package com.cryptomaltese.gateway.channel;

import org.apache.camel.Consumer;
import org.apache.camel.Processor;
import org.apache.camel.Producer;
import org.apache.camel.support.ScheduledPollEndpoint;

/** A consuming-only endpoint: replies go out through {@link TelegramBotApi} from the route's beans. */
final class TelegramUpdatesEndpoint extends ScheduledPollEndpoint {

    private final TelegramBotApi api;

    TelegramUpdatesEndpoint(String uri, TelegramUpdatesComponent component, TelegramBotApi api) {
        super(uri, component);
        this.api = api;
    }

    @Override
    public Producer createProducer() {
        throw new UnsupportedOperationException("telegram-updates only receives; replies are sent by the telegramBot bean");
    }

    @Override
    public Consumer createConsumer(Processor processor) throws Exception {
        TelegramUpdatesConsumer consumer = new TelegramUpdatesConsumer(this, processor, api,
                (TelegramUpdatesComponent) getComponent());
        configureConsumer(consumer);
        return consumer;
    }
}
