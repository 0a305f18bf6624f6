package com.cryptomaltese.gateway.channel;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

/** How long the Telegram consumer waits after a failed poll before asking again. */
class TelegramPollStrategyTest {

    private final List<Duration> waits = new ArrayList<>();
    private final TelegramSettings settings = new TelegramSettings(FakeBotApi.TOKEN, "http://127.0.0.1:9", null,
            List.of(), 10, Duration.ofMinutes(1), Duration.ofSeconds(4), 4096, 25, 6, Duration.ofSeconds(30));
    private final TelegramPollStrategy strategy = new TelegramPollStrategy(settings, waits::add);

    @Test
    void a429WaitsTelegramsRetryAfterUpToTheConfiguredLongest() {
        assertThat(strategy.rollback(null, null, 5, new TelegramApiException("getUpdates", 429, "Too Many Requests",
                Duration.ofSeconds(7)))).isTrue();
        strategy.rollback(null, null, 0, new TelegramApiException("sendMessage", 429, "Too Many Requests",
                Duration.ofSeconds(300)));
        assertThat(waits).containsExactly(Duration.ofSeconds(7), Duration.ofSeconds(30));
    }

    /** A retry_after that is no positive number of seconds is no instruction: the usual backoff applies. */
    @Test
    void aRetryAfterBelowOneSecondMeansTheUsualBackoff() throws IOException {
        for (String retryAfter : List.of("-1", "0", "\"soon\"")) {
            TelegramApiException refused = TelegramBotApi.failure("getUpdates", 429, TelegramBotApi.parse(
                    "{\"ok\":false,\"error_code\":429,\"description\":\"Too Many Requests\",\"parameters\":{\"retry_after\":"
                            + retryAfter + "}}"));
            assertThat(refused.retryAfter()).as(retryAfter).isNull();
            strategy.rollback(null, null, 2, refused);
        }
        assertThat(waits).containsExactly(Duration.ofSeconds(4), Duration.ofSeconds(4), Duration.ofSeconds(4));
    }

    @Test
    void otherFailuresBackOffFromOneSecondDoublingToAMinute() {
        for (int retry = 0; retry < 9; retry++) {
            strategy.rollback(null, null, retry, retry % 2 == 0
                    ? new TelegramApiException("sendMessage", 502, "Bad Gateway", null)
                    : new IllegalStateException("wrapped", new IOException("connection reset")));
        }
        assertThat(waits).extracting(Duration::toSeconds).containsExactly(1L, 2L, 4L, 8L, 16L, 32L, 60L, 60L, 60L);
    }

    @Test
    void failuresAreDescribedWithoutTheUrl() {
        assertThat(TelegramPollStrategy.describe(new TelegramApiException("getUpdates", 502, "Bad Gateway", null)))
                .isEqualTo("Telegram getUpdates failed: 502 Bad Gateway");
        assertThat(TelegramPollStrategy.describe(new IllegalStateException("http://x/bot" + FakeBotApi.TOKEN,
                new IOException("http://x/bot" + FakeBotApi.TOKEN)))).isEqualTo("IllegalStateException (IOException)");
    }
}
