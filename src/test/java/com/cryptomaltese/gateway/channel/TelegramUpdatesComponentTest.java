package com.cryptomaltese.gateway.channel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;

import org.apache.camel.Consumer;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.ScheduledPollConsumer;
import org.junit.jupiter.api.Test;

/** The telegram-updates endpoint takes the scheduled-poll options and lets one consumer poll at a time. */
class TelegramUpdatesComponentTest {

    private static final String NO_POLL = "?initialDelay=3600000&delay=250&pollStrategy=#strategy";

    @Test
    void oneConsumerPollsAtATime() throws Exception {
        TelegramSettings settings = new TelegramSettings(FakeBotApi.TOKEN, "http://127.0.0.1:9", null, List.of(), 10,
                Duration.ofMinutes(1), Duration.ofSeconds(4), 4096, 25, 6, Duration.ofSeconds(30));
        TelegramPollStrategy strategy = new TelegramPollStrategy(settings, d -> { });
        try (DefaultCamelContext camel = new DefaultCamelContext()) {
            camel.getRegistry().bind("strategy", strategy);
            camel.addComponent("telegram-updates", new TelegramUpdatesComponent(new TelegramBotApi(settings, d -> { })));
            camel.start();
            Consumer first = camel.getEndpoint("telegram-updates:getUpdates" + NO_POLL).createConsumer(e -> { });
            Consumer second = camel.getEndpoint("telegram-updates:again" + NO_POLL).createConsumer(e -> { });
            assertThat(((ScheduledPollConsumer) first).getDelay()).isEqualTo(250);
            assertThat(((ScheduledPollConsumer) first).getPollStrategy()).isSameAs(strategy);

            first.start();
            assertThatThrownBy(second::start).hasMessageContaining("one consumer only");
            first.stop();
            second.start();
            second.stop();
        }
    }
}
