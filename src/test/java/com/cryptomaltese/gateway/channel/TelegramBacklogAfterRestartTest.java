package com.cryptomaltese.gateway.channel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import com.cryptomaltese.gateway.StoriesModel;
import com.cryptomaltese.gateway.TestData;
import com.cryptomaltese.gateway.engine.djl.HeldDjlEngine;
import org.apache.camel.test.spring.junit5.CamelSpringBootTest;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * A message that waited through a restart is answered by the model: the Telegram route starts
 * polling once GATEWAY_DEFAULT_MODEL's load has ended. It polled at once before, the waiting message
 * was told the model was loading, and its update was confirmed as handled: the question was lost.
 * The load is held on a latch until the route has had time to poll.
 */
@CamelSpringBootTest
@SpringBootTest(properties = {
        "gateway.data-dir=" + TelegramBacklogAfterRestartTest.DATA,
        "gateway.default-model=karpathy/stories260K",
        "gateway.telegram.token=" + FakeBotApi.TOKEN,
        "gateway.telegram.poll-timeout-seconds=1"})
@DirtiesContext(classMode = DirtiesContext.ClassMode.AFTER_CLASS)
class TelegramBacklogAfterRestartTest {

    static final String DATA = "target/test-data/channel-telegram-backlog";
    static final Path DATA_DIR = TestData.freshDataDir(DATA);
    static final HeldDjlEngine ENGINE = heldLoad();
    static final FakeBotApi BOT_API = FakeBotApi.withStoriesIn(DATA_DIR);
    static final long WAITING_MESSAGE = BOT_API.privateMessage(1001, StoriesModel.PROMPT);

    private static HeldDjlEngine heldLoad() {
        HeldDjlEngine engine = new HeldDjlEngine();
        engine.loadEntered = new CountDownLatch(1);
        engine.loadProceed = new CountDownLatch(1);
        return engine;
    }

    @DynamicPropertySource
    static void botApi(DynamicPropertyRegistry registry) {
        registry.add("gateway.telegram.api-url", BOT_API::url);
    }

    @AfterAll
    static void stopServer() {
        ENGINE.loadProceed.countDown();
        BOT_API.close();
    }

    @TestConfiguration
    static class HeldLoad {
        @Bean
        @Order(Ordered.HIGHEST_PRECEDENCE)
        HeldDjlEngine heldDjlEngine() {
            return ENGINE;
        }
    }

    @Test
    void aMessageThatWaitedThroughARestartIsAnsweredByTheModel() throws InterruptedException {
        assertThat(ENGINE.loadEntered.await(60, TimeUnit.SECONDS)).isTrue();
        try {
            // Time for a poll that should not come while the model loads.
            await().atMost(Duration.ofSeconds(2)).until(() -> !BOT_API.polls().isEmpty());
        } catch (ConditionTimeoutException expected) {
            // no poll: as it should be
        }
        assertThat(BOT_API.polls()).as("polls while the default model loads").isEmpty();
        ENGINE.loadProceed.countDown();

        await().atMost(Duration.ofSeconds(60)).until(() -> !BOT_API.repliesTo(WAITING_MESSAGE).isEmpty());
        assertThat(BOT_API.repliesTo(WAITING_MESSAGE).get(0)).isNotBlank()
                .isNotEqualTo(TelegramBot.LOADING).isNotEqualTo(TelegramBot.NO_MODEL);
    }
}
