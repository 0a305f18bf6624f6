package com.cryptomaltese.gateway.channel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.mockito.Mockito.verify;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import com.cryptomaltese.gateway.StoriesModel;
import com.cryptomaltese.gateway.TestData;
import com.cryptomaltese.gateway.chat.ChatProcessor;
import com.cryptomaltese.gateway.chat.ChatRequest;
import com.cryptomaltese.gateway.chat.Conversations;
import com.cryptomaltese.gateway.model.ModelService;
import com.cryptomaltese.gateway.params.GenerationSettings;
import com.cryptomaltese.gateway.params.ParameterService;
import org.apache.camel.CamelContext;
import org.apache.camel.test.spring.junit5.CamelSpringBootTest;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.context.bean.override.mockito.MockitoSpyBean;

/**
 * routes/telegram.yaml, loaded by the running application, against a fake Bot API server on
 * loopback: replies come from the real TinyStories-260K model through direct:chat.
 */
@CamelSpringBootTest
@SpringBootTest(properties = {
        "gateway.data-dir=" + TelegramChannelTest.DATA,
        "gateway.telegram.token=" + FakeBotApi.TOKEN,
        "gateway.telegram.allowed-users=1001,1002,1003,1004,1005,1006,1007,1008,1009",
        "gateway.telegram.rate-limit=4",
        "gateway.telegram.poll-timeout-seconds=1",
        "gateway.telegram.typing-interval=1s",
        // The long-answer test generates 300 tokens: on a busy machine that must not meet the deadline.
        "gateway.chat.deadline=5m",
        "gateway.telegram.send-attempts=" + TelegramChannelTest.SEND_ATTEMPTS,
        // Small parts, so a real reply of the model spans several of them (ReplySplitter's unit
        // test covers 10 000 characters at Telegram's 4096).
        "gateway.telegram.max-message-chars=" + TelegramChannelTest.PART_LIMIT})
@DirtiesContext(classMode = DirtiesContext.ClassMode.AFTER_CLASS)
@ExtendWith(OutputCaptureExtension.class)
class TelegramChannelTest {

    static final String DATA = "target/test-data/channel-telegram";
    static final Path DATA_DIR = TestData.freshDataDir(DATA);
    static final FakeBotApi BOT_API = FakeBotApi.withStoriesIn(DATA_DIR);
    static final Duration WAIT = Duration.ofSeconds(60);
    static final int PART_LIMIT = 200;
    static final int SEND_ATTEMPTS = 2;

    @Autowired
    CamelContext camel;
    @Autowired
    ModelService models;
    @Autowired
    ParameterService parameters;
    @Autowired
    ChatProcessor chatProcessor;
    @Autowired
    MeterRegistry meters;
    @MockitoSpyBean
    Conversations conversations;

    @DynamicPropertySource
    static void botApi(DynamicPropertyRegistry registry) {
        registry.add("gateway.telegram.api-url", BOT_API::url);
    }

    @AfterAll
    static void stopServer() {
        BOT_API.close();
    }

    @BeforeEach
    void model() {
        if (models.current().isEmpty()) {
            StoriesModel.loadGreedy(models, parameters);
        }
    }

    /** With no model, the user gets the friendly line and the failure is counted under the telegram channel. */
    @Test
    void aChatWithoutAModelIsAnsweredKindlyAndCounted() {
        models.unload(StoriesModel.ID);
        Counter failures = meters.counter("maltese.chat.failures", "channel", "telegram", "status", "503");
        double before = failures.count();
        long messageId = BOT_API.privateMessage(1002, StoriesModel.PROMPT);

        await().atMost(WAIT).until(() -> !BOT_API.repliesTo(messageId).isEmpty());
        assertThat(BOT_API.repliesTo(messageId)).containsExactly(TelegramBot.NO_MODEL);
        assertThat(failures.count()).isEqualTo(before + 1);
    }

    @Test
    void theYamlRoutePollsTheConfiguredBotApi() {
        assertThat(camel.getRouteController().getRouteStatus("telegram-updates").isStarted()).isTrue();
        assertThat(camel.getRoute("telegram-updates").getEndpoint()).isInstanceOf(TelegramUpdatesEndpoint.class);
        assertThat(camel.getRoute("telegram-chat")).isNotNull();
    }

    @Test
    void aPrivateMessageGetsTypingAndTheModelsReplyToIt(CapturedOutput output) {
        long messageId = BOT_API.privateMessage(1001, StoriesModel.PROMPT);

        await().atMost(WAIT).until(() -> !BOT_API.repliesTo(messageId).isEmpty());
        assertThat(BOT_API.repliesTo(messageId)).containsExactly(StoriesModel.GREEDY);
        List<FakeBotApi.Call> calls = BOT_API.calls();
        int typing = indexOf(calls, "sendChatAction", "1001");
        int reply = indexOf(calls, "sendMessage", "1001");
        assertThat(typing).as("typing before the reply").isGreaterThanOrEqualTo(0).isLessThan(reply);
        assertThat(calls.get(typing).params().path("action").asText()).isEqualTo("typing");
        assertThat(output.getAll()).doesNotContain(FakeBotApi.TOKEN);
    }

    @Test
    void aLongAnswerArrivesInOrderedPartsWithinTheLimit() {
        // A longer greedy generation of the real model for this test only; the reply it must
        // equal is the same model's answer to the same message through the chat processor.
        parameters.update(StoriesModel.ID, new GenerationSettings(null, null, null, 300, 1.0, false, null, null, null,
                null), "test");
        try {
            String answer = chatProcessor.chat(ChatRequest.of(StoriesModel.PROMPT, null)).response();
            assertThat(answer.length()).isGreaterThan(3 * PART_LIMIT);

            long messageId = BOT_API.privateMessage(1002, StoriesModel.PROMPT);

            await().atMost(WAIT).until(() -> String.join(" ", BOT_API.repliesTo(messageId)).length()
                    >= answer.strip().length() - 10);
            List<String> parts = BOT_API.repliesTo(messageId);
            assertThat(parts).hasSizeGreaterThanOrEqualTo(4)
                    .allSatisfy(p -> assertThat(p.length()).isLessThanOrEqualTo(PART_LIMIT));
            // Parts break at whitespace, which the splitter drops at the seams.
            assertThat(String.join(" ", parts).replaceAll("\\s+", " "))
                    .isEqualTo(answer.strip().replaceAll("\\s+", " "));
        } finally {
            StoriesModel.loadGreedy(models, parameters);
        }
    }

    @Test
    void resetForgetsTheConversation() {
        long messageId = BOT_API.privateMessage(1003, "/reset");

        await().atMost(WAIT).until(() -> !BOT_API.repliesTo(messageId).isEmpty());
        assertThat(BOT_API.repliesTo(messageId)).containsExactly(TelegramBot.RESET);
        verify(conversations).forgetThread("telegram", "1003", "1003");
    }

    @Test
    void commandsAnswerWithoutTheModel() {
        long start = BOT_API.privateMessage(1004, "/start");
        long help = BOT_API.privateMessage(1004, "/help");
        long model = BOT_API.privateMessage(1004, "/model");
        long photo = BOT_API.privateMessage(1004, null);

        await().atMost(WAIT).until(() -> !BOT_API.repliesTo(photo).isEmpty());
        assertThat(BOT_API.repliesTo(start)).containsExactly(TelegramBot.START);
        assertThat(BOT_API.repliesTo(help)).containsExactly(TelegramBot.HELP);
        assertThat(BOT_API.repliesTo(model)).containsExactly("Answers come from karpathy/stories260K.");
        assertThat(BOT_API.repliesTo(photo)).containsExactly(TelegramBot.NON_TEXT);
    }

    @Test
    void anUpdateDeliveredTwiceIsAnsweredOnce() {
        long help = BOT_API.privateMessageSentTwice(1009, "/help");
        long marker = BOT_API.privateMessage(1009, "/start");

        await().atMost(WAIT).until(() -> !BOT_API.repliesTo(marker).isEmpty());
        assertThat(BOT_API.repliesTo(help)).containsExactly(TelegramBot.HELP);
    }

    @Test
    void aUserOutsideTheAllowlistIsRefusedOnce(CapturedOutput output) {
        long first = BOT_API.privateMessage(666, "Hello?");
        long second = BOT_API.privateMessage(666, "Hello again?");
        long marker = BOT_API.privateMessage(1008, "/help");

        await().atMost(WAIT).until(() -> !BOT_API.repliesTo(marker).isEmpty());
        assertThat(BOT_API.repliesTo(first)).containsExactly(TelegramBot.NOT_ALLOWED);
        assertThat(BOT_API.repliesTo(second)).isEmpty();
        assertThat(output.getAll()).contains("Telegram user 666 is not on gateway.telegram.allowed-users: refused")
                .contains("Telegram user 666 is not on gateway.telegram.allowed-users: ignored (already refused)");
    }

    @Test
    void groupMessagesWithoutMentionAreIgnoredAndMentionsAnswered() {
        long group = -100777;
        long plain = BOT_API.userWrites(1006, "supergroup", group, StoriesModel.PROMPT, null);
        long otherBot = BOT_API.userWrites(1006, "supergroup", group, "/help@other_bot", null);
        String mentioning = "@" + FakeBotApi.BOT_USERNAME + " " + StoriesModel.PROMPT;
        long mention = BOT_API.userWrites(1006, "supergroup", group, mentioning,
                FakeBotApi.mentionAt(0, FakeBotApi.BOT_USERNAME.length() + 1));

        await().atMost(WAIT).until(() -> !BOT_API.repliesTo(mention).isEmpty());
        assertThat(BOT_API.repliesTo(mention)).containsExactly(StoriesModel.GREEDY);
        assertThat(BOT_API.repliesTo(plain)).isEmpty();
        assertThat(BOT_API.repliesTo(otherBot)).isEmpty();
    }

    @Test
    void inGroupsARepliesToTheBotIsAnsweredWithoutMention() {
        long group = -100778;
        long toSomeoneElse = BOT_API.userRepliesTo(1006, group, StoriesModel.PROMPT, 40, "alice", false);
        long toAnotherBot = BOT_API.userRepliesTo(1006, group, StoriesModel.PROMPT, 41, "other_bot", true);
        long toUs = BOT_API.userRepliesTo(1006, group, StoriesModel.PROMPT, 42, FakeBotApi.BOT_USERNAME, true);
        long commandToUs = BOT_API.userRepliesTo(1006, group, "/help", 43, FakeBotApi.BOT_USERNAME, true);

        await().atMost(WAIT).until(() -> !BOT_API.repliesTo(commandToUs).isEmpty());
        assertThat(BOT_API.repliesTo(toUs)).containsExactly(StoriesModel.GREEDY);
        assertThat(BOT_API.repliesTo(commandToUs)).containsExactly(TelegramBot.HELP);
        assertThat(BOT_API.repliesTo(toSomeoneElse)).isEmpty();
        assertThat(BOT_API.repliesTo(toAnotherBot)).isEmpty();
    }

    @Test
    void aReplyTelegramCannotTakeIsSentOnceOnALaterPollAndOnlyThenConfirmed(CapturedOutput output) {
        // More 502s than one round of attempts: the first handling of the update gives up.
        BOT_API.failSendMessageTo("1009", SEND_ATTEMPTS + 1);
        long messageId = BOT_API.privateMessage(1009, StoriesModel.PROMPT);
        long updateId = BOT_API.updateIdOf(messageId);

        await().atMost(WAIT).until(() -> !BOT_API.repliesTo(messageId).isEmpty());
        await().atMost(WAIT).until(() -> BOT_API.polls().stream().anyMatch(p -> p.offset() > updateId));

        assertThat(BOT_API.calls()).filteredOn(c -> c.params().path("chat_id").asText().equals("1009"))
                .extracting(FakeBotApi.Call::method).containsSubsequence("sendMessage-502", "sendMessage-502",
                        "sendMessage-502", "sendMessage");
        assertThat(BOT_API.repliesTo(messageId)).containsExactly(StoriesModel.GREEDY);
        // Fetched twice while unconfirmed, then confirmed by the first offset past it.
        List<FakeBotApi.Poll> polls = BOT_API.polls();
        assertThat(polls).filteredOn(p -> p.updateIds().contains(updateId)).hasSizeGreaterThanOrEqualTo(2)
                .allSatisfy(p -> assertThat(p.offset()).isLessThanOrEqualTo(updateId));
        int lastDelivery = lastIndexWith(polls, updateId);
        assertThat(polls.subList(lastDelivery + 1, polls.size())).isNotEmpty()
                .allSatisfy(p -> assertThat(p.offset()).isEqualTo(updateId + 1));
        // Generated once: one user turn and one answer in the conversation.
        assertThat(conversations.export("telegram", "1009")).extracting(Conversations.Turn::content)
                .containsExactly(StoriesModel.PROMPT, StoriesModel.GREEDY);
        assertThat(output.getAll()).contains("Telegram update " + updateId + " for user 1009 not delivered yet")
                .doesNotContain(FakeBotApi.TOKEN);
    }

    @Test
    void aUserOverTheRateLimitIsAskedToSlowDownOnce() {
        long[] ids = new long[6];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = BOT_API.privateMessage(1007, "/help");
        }
        long marker = BOT_API.privateMessage(1005, "/help");

        await().atMost(WAIT).until(() -> !BOT_API.repliesTo(marker).isEmpty());
        for (int i = 0; i < 4; i++) {
            assertThat(BOT_API.repliesTo(ids[i])).containsExactly(TelegramBot.HELP);
        }
        assertThat(BOT_API.repliesTo(ids[4])).containsExactly(TelegramBot.SLOW_DOWN);
        assertThat(BOT_API.repliesTo(ids[5])).isEmpty();
    }

    @Test
    void flood429sAreWaitedOutAndNoUpdateIsLost(CapturedOutput output) {
        BOT_API.answerGetUpdatesWith429(1);
        BOT_API.answerSendMessageWith429(1);
        long messageId = BOT_API.privateMessage(1001, "/help");

        await().atMost(WAIT).until(() -> !BOT_API.repliesTo(messageId).isEmpty());
        assertThat(BOT_API.repliesTo(messageId)).containsExactly(TelegramBot.HELP);
        List<FakeBotApi.Call> calls = BOT_API.calls();
        assertThat(calls).extracting(FakeBotApi.Call::method).contains("getUpdates-429", "sendMessage-429");
        // retry_after is 1 s: the next attempt of each call came no sooner
        for (String method : List.of("getUpdates", "sendMessage")) {
            int refused = calls.stream().map(FakeBotApi.Call::method).toList().indexOf(method + "-429");
            FakeBotApi.Call retry = calls.subList(refused + 1, calls.size()).stream()
                    .filter(c -> c.method().startsWith(method)).findFirst().orElseThrow();
            assertThat(Duration.ofNanos(retry.nanos() - calls.get(refused).nanos())).as(method)
                    .isGreaterThanOrEqualTo(Duration.ofSeconds(1));
        }
        // offsets only ever move forward, one past the handled update
        List<Long> offsets = BOT_API.offsets();
        for (int i = 1; i < offsets.size(); i++) {
            assertThat(offsets.get(i)).isGreaterThanOrEqualTo(offsets.get(i - 1));
        }
        assertThat(output.getAll()).contains("429").doesNotContain(FakeBotApi.TOKEN);
    }

    private static int lastIndexWith(List<FakeBotApi.Poll> polls, long updateId) {
        for (int i = polls.size() - 1; i >= 0; i--) {
            if (polls.get(i).updateIds().contains(updateId)) {
                return i;
            }
        }
        return -1;
    }

    private static int indexOf(List<FakeBotApi.Call> calls, String method, String chatId) {
        for (int i = 0; i < calls.size(); i++) {
            if (calls.get(i).method().equals(method) && calls.get(i).params().path("chat_id").asText().equals(chatId)) {
                return i;
            }
        }
        return -1;
    }
}
