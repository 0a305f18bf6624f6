package com.cryptomaltese.gateway.channel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import org.apache.camel.Consumer;
import org.apache.camel.Processor;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.ScheduledPollConsumer;
import org.junit.jupiter.api.Test;

/**
 * The telegram-updates endpoint takes the scheduled-poll options, lets one consumer poll at a time, and
 * confirms at a stop what it handled.
 */
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

    /**
     * A deploy while a user waits: the stop lets the answer go out, and then tells Telegram the update
     * was handled, so the restarted gateway does not get it again and answer twice.
     */
    @Test
    void anUpdateAnsweredDuringAStopIsConfirmedAndNotAnsweredAfterARestart() throws Exception {
        try (FakeBotApi server = new FakeBotApi()) {
            TelegramSettings settings = new TelegramSettings(FakeBotApi.TOKEN, server.url(), FakeBotApi.BOT_USERNAME,
                    List.of(), 10, Duration.ofMinutes(1), Duration.ofSeconds(4), 4096, 1, 2, Duration.ofSeconds(5));
            long messageId = server.privateMessage(1001, "Tell me a story");
            long updateId = server.updateIdOf(messageId);
            List<String> generated = new CopyOnWriteArrayList<>();
            for (int run = 1; run <= 2; run++) {
                TelegramBotApi api = new TelegramBotApi(settings, d -> Thread.sleep(d.toMillis()));
                TelegramBot bot = new TelegramBot(settings, api, null);
                try (DefaultCamelContext camel = polling(settings, api, 100, exchange -> {
                    TelegramUpdate update = exchange.getIn().getBody(TelegramUpdate.class);
                    bot.classify(update, exchange);
                    generated.add("update " + update.updateId());
                    Thread.sleep(500); // the model writes while the stop begins
                    bot.send("The answer", exchange.getProperty(TelegramBot.TURN, TelegramTurn.class));
                })) {
                    int polls = server.offsets().size();
                    if (run == 1) {
                        await().atMost(Duration.ofSeconds(20)).until(() -> !generated.isEmpty());
                    } else {
                        await().atMost(Duration.ofSeconds(20)).until(() -> server.offsets().size() >= polls + 2);
                    }
                    camel.stop();
                } finally {
                    bot.shutdown();
                }
                if (run == 1) {
                    assertThat(server.offsets()).as("confirmed at the stop").contains(updateId + 1);
                }
            }
            assertThat(generated).containsExactly("update " + updateId);
            assertThat(server.repliesTo(messageId)).containsExactly("The answer");
        }
    }

    /**
     * After a week without updates Telegram numbers them again from a random, usually lower, id: the
     * first update of the new numbering is handled, and the offset moves on from it, so each update
     * is confirmed and handled once.
     */
    @Test
    void updatesNumberedAgainFromALowerIdAreHandledAndConfirmed() throws Exception {
        try (FakeBotApi server = new FakeBotApi()) {
            TelegramSettings settings = new TelegramSettings(FakeBotApi.TOKEN, server.url(), FakeBotApi.BOT_USERNAME,
                    List.of(), 10, Duration.ofMinutes(1), Duration.ofSeconds(4), 4096, 1, 2, Duration.ofSeconds(5));
            TelegramBotApi api = new TelegramBotApi(settings, d -> Thread.sleep(d.toMillis()));
            List<Long> handled = new CopyOnWriteArrayList<>();
            try (DefaultCamelContext camel = polling(settings, api, 50,
                    exchange -> handled.add(exchange.getIn().getBody(TelegramUpdate.class).updateId()))) {
                long before = server.updateIdOf(server.privateMessage(1001, "Before the quiet week"));
                await().atMost(Duration.ofSeconds(20)).until(() -> server.offsets().contains(before + 1));

                server.renumberFrom(300);
                long first = server.updateIdOf(server.privateMessage(1001, "A week later"));
                await().atMost(Duration.ofSeconds(20)).until(() -> server.offsets().contains(first + 1));
                long second = server.updateIdOf(server.privateMessage(1001, "And again"));
                await().atMost(Duration.ofSeconds(20)).until(() -> server.offsets().contains(second + 1));
                camel.stop();

                assertThat(first).isEqualTo(300);
                assertThat(handled).containsExactly(before, first, second);
                List<Long> offsets = server.offsets();
                assertThat(offsets.subList(offsets.indexOf(first + 1), offsets.size())).as(offsets.toString())
                        .allMatch(offset -> offset == first + 1 || offset == second + 1);
            }
        }
    }

    /** A started Camel context whose one route polls getUpdates every {@code delayMillis} into {@code handler}. */
    private static DefaultCamelContext polling(TelegramSettings settings, TelegramBotApi api, int delayMillis,
                                               Processor handler) throws Exception {
        DefaultCamelContext camel = new DefaultCamelContext();
        camel.getRegistry().bind("strategy", new TelegramPollStrategy(settings, d -> { }));
        camel.addComponent("telegram-updates", new TelegramUpdatesComponent(api));
        camel.addRoutes(new RouteBuilder() {
            @Override
            public void configure() {
                from("telegram-updates:getUpdates?delay=" + delayMillis + "&pollStrategy=#strategy").process(handler);
            }
        });
        camel.start();
        return camel;
    }
}
