package com.cryptomaltese.gateway.channel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.apache.camel.Exchange;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.DefaultExchange;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The telegramBot steps against the fake Bot API server: partial deliveries and "typing…". */
class TelegramBotTest {

    private static final int ATTEMPTS = 2;
    private final FakeBotApi server = start();
    private final TelegramSettings settings = new TelegramSettings(FakeBotApi.TOKEN, server.url(),
            FakeBotApi.BOT_USERNAME, List.of(), 10, Duration.ofMinutes(1), Duration.ofMillis(500), 20, 1, ATTEMPTS,
            Duration.ofSeconds(5));
    private final TelegramBot bot = new TelegramBot(settings, new TelegramBotApi(settings, d -> { }), null);
    private final DefaultCamelContext camel = new DefaultCamelContext();

    private static FakeBotApi start() {
        try {
            return new FakeBotApi();
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @AfterEach
    void stop() {
        bot.shutdown();
        server.close();
    }

    @Test
    void aReplyCutShortBySendFailuresIsFinishedFromThePartNotDeliveredWhenItsUpdateComesAgain() {
        // Three parts of at most 20 characters; the second fails on every attempt of the first round.
        String answer = "One small part here. Two small parts now. Three parts at last.";
        server.failSendMessageTo("1001", 1, ATTEMPTS);
        TelegramUpdate update = new TelegramUpdate(5001, new TelegramUpdate.Message(50L,
                new TelegramUpdate.User(1001, false, null), new TelegramUpdate.Chat(1001, "private"), "Tell me",
                null, null, null, null, Map.of()));

        Exchange first = exchange();
        bot.classify(update, first);
        assertThat(first.getMessage().getHeader(TelegramBot.ACTION)).isEqualTo("chat");
        TelegramTurn turn = first.getProperty(TelegramBot.TURN, TelegramTurn.class);
        assertThatThrownBy(() -> bot.send(answer, turn)).isInstanceOfSatisfying(TelegramApiException.class,
                e -> assertThat(e.status()).isEqualTo(502));

        Exchange again = exchange();
        bot.classify(update, again);
        assertThat(again.getMessage().getHeader(TelegramBot.ACTION)).isEqualTo("resend");
        bot.send(null, again.getProperty(TelegramBot.TURN, TelegramTurn.class));

        assertThat(server.repliesTo(50)).containsExactly("One small part here.", "Two small parts now.",
                "Three parts at last.");
        assertThat(server.calls()).extracting(FakeBotApi.Call::method)
                .containsExactly("sendMessage", "sendMessage-502", "sendMessage-502", "sendMessage", "sendMessage");

        // Done: the same update again would be a new message, not a resend.
        Exchange later = exchange();
        bot.classify(update, later);
        assertThat(later.getMessage().getHeader(TelegramBot.ACTION)).isEqualTo("chat");
    }

    @Test
    void aReplyToAGroupUpgradedToASupergroupGoesToTheSupergroupWholeAndOnItsOwn() {
        server.upgradeToSupergroup(-4001, -1004001);
        String answer = "One small part here. Two small parts now. Three parts at last.";
        TelegramUpdate update = new TelegramUpdate(5002, new TelegramUpdate.Message(51L,
                new TelegramUpdate.User(1001, false, null), new TelegramUpdate.Chat(-4001, "group"),
                "/help@" + FakeBotApi.BOT_USERNAME, null, null, null, null, Map.of()));
        Exchange exchange = exchange();
        bot.classify(update, exchange);

        bot.send(answer, exchange.getProperty(TelegramBot.TURN, TelegramTurn.class));

        assertThat(server.sentTo(-1004001)).containsExactly("One small part here.", "Two small parts now.",
                "Three parts at last.");
        // Refused once at the old id; message ids do not carry over, so no part quotes the question.
        assertThat(server.calls()).extracting(FakeBotApi.Call::method)
                .containsExactly("sendMessage-migrated", "sendMessage", "sendMessage", "sendMessage");
        assertThat(server.calls()).allSatisfy(c -> assertThat(c.params().has("reply_to_message_id"))
                .isEqualTo(c.method().equals("sendMessage-migrated")));
    }

    @Test
    void typingIsRepeatedWhileTheAnswerIsWrittenAndStopsWithIt() {
        Exchange exchange = exchange();
        TelegramTurn turn = new TelegramTurn(5002, TelegramTurn.Action.CHAT, "1002", 51L, "1002", null, "Hi");

        bot.startTyping(turn, exchange);
        await().atMost(Duration.ofSeconds(10)).until(() -> typing("1002") >= 3);
        bot.stopTyping(exchange);
        long sent = typing("1002");
        await().during(Duration.ofMillis(1200)).atMost(Duration.ofSeconds(3)).until(() -> typing("1002") == sent);
        assertThat(server.calls()).filteredOn(c -> c.method().equals("sendChatAction"))
                .allSatisfy(c -> assertThat(c.params().path("action").asText()).isEqualTo("typing"));
    }

    private long typing(String chatId) {
        return server.calls().stream().filter(c -> c.method().equals("sendChatAction"))
                .filter(c -> c.params().path("chat_id").asText().equals(chatId)).count();
    }

    private Exchange exchange() {
        return new DefaultExchange(camel);
    }
}
