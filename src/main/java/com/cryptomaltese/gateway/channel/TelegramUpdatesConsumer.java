package com.cryptomaltese.gateway.channel;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.apache.camel.support.ScheduledPollConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Long-polls getUpdates and hands each update, in order, to the route as a {@link TelegramUpdate}
 * body. The offset moves one past an update only when its exchange succeeded; a failed exchange
 * (a reply Telegram did not take, after the sender's own retries) ends the poll with that failure,
 * so the poll strategy waits and the next getUpdates, still at the old offset, brings the update
 * back. Telegram forgets updates below the offset sent, so an update is confirmed only by asking
 * for the ones after it; at a stop, the updates handled since the last getUpdates are confirmed with
 * one more ({@link TelegramBotApi#confirm}), or a restart would bring them back to be answered again.
 */
final class TelegramUpdatesConsumer extends ScheduledPollConsumer {

    static final String UPDATE_ID = "telegramUpdateId";
    private static final Logger log = LoggerFactory.getLogger(TelegramUpdatesConsumer.class);

    private final TelegramBotApi api;
    private final TelegramUpdatesComponent component;
    /** One past the last handled update; null until then, which asks Telegram for all unconfirmed ones. */
    private volatile Long offset;
    /** Ids of the updates handled last (polls run one at a time), to skip one Telegram or a proxy sends again. */
    private final Set<Long> handledIds = Collections.newSetFromMap(new LinkedHashMap<>() {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Long, Boolean> eldest) {
            return size() > 1000;
        }
    });
    /** The offset Telegram was last sent: every update below it is confirmed. */
    private Long confirmed;

    TelegramUpdatesConsumer(TelegramUpdatesEndpoint endpoint, Processor processor, TelegramBotApi api,
                            TelegramUpdatesComponent component) {
        super(endpoint, processor);
        this.api = api;
        this.component = component;
    }

    @Override
    protected void doStart() throws Exception {
        component.startPolling(this);
        super.doStart();
    }

    @Override
    protected void doStop() throws Exception {
        super.doStop();
        component.stopPolling(this);
        confirmHandled();
    }

    /** Tells Telegram the updates handled since the last getUpdates, when stopping (no getUpdates follows). */
    private synchronized void confirmHandled() {
        Long handled = offset;
        if (handled == null || Objects.equals(handled, confirmed)) {
            return;
        }
        try {
            api.confirm(handled);
            confirmed = handled;
        } catch (RuntimeException e) {
            log.warn("Could not confirm the Telegram updates handled before the stop (they may come again): {}",
                    e.getMessage());
        }
    }

    @Override
    protected int poll() throws Exception {
        Long asked = offset;
        synchronized (this) {
            // Telegram confirms on receiving the request: a stop meanwhile has nothing more to confirm.
            confirmed = asked;
        }
        List<TelegramUpdate> updates = api.getUpdates(asked);
        int handled = 0;
        for (TelegramUpdate update : updates) {
            if (!isRunAllowed()) {
                // Stopping: the rest stays unconfirmed and comes again with the next getUpdates.
                break;
            }
            if (handledIds.contains(update.updateId())) {
                // Handled already: an id twice in one answer, or sent again by a server or proxy.
                continue;
            }
            Exchange exchange = createExchange(false);
            try {
                exchange.getIn().setBody(update);
                exchange.getIn().setHeader(UPDATE_ID, update.updateId());
                getProcessor().process(exchange);
                if (exchange.getException() != null) {
                    throw exchange.getException();
                }
            } finally {
                releaseExchange(exchange, false);
            }
            handledIds.add(update.updateId());
            // Past this update, also when its id is below the last one: after a week without updates
            // Telegram starts its numbering again at a random id.
            offset = update.updateId() + 1;
            handled++;
        }
        if (!isRunAllowed()) {
            // The stop may have come while an update was being answered, before it was counted.
            confirmHandled();
        }
        return handled;
    }
}
