package com.cryptomaltese.gateway.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.cryptomaltese.gateway.StoriesModel;
import com.cryptomaltese.gateway.TestApi;
import com.cryptomaltese.gateway.TestApi.Reply;
import com.cryptomaltese.gateway.TestData;
import org.apache.camel.test.spring.junit5.CamelSpringBootTest;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;

/**
 * The Prometheus scrape behind the admin key, in Prometheus' text format: after chats on two
 * channels and a refused one, the counters say what the replies said (TinyStories-260K's greedy
 * reply to "Once upon a time" is 5 prompt and 30 new tokens, ../shared/models/PROVENANCE.md).
 */
@CamelSpringBootTest
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "gateway.data-dir=" + MetricsApiTest.DATA,
        "gateway.security.api-keys=" + TestApi.USER_KEY, "gateway.security.admin-keys=" + TestApi.ADMIN_KEY})
class MetricsApiTest {

    static final String DATA = "target/test-data/metrics";
    static final Path DATA_DIR = TestData.freshDataDir(DATA);
    static final String MODEL = "{channel=\"%s\",model=\"karpathy/stories260K\"}";

    static {
        StoriesModel.linkInto(DATA_DIR);
    }

    @LocalServerPort
    int port;

    @Test
    void theScrapeCountsRepliesTokensAndFailuresPerChannel() {
        TestApi api = new TestApi(port);
        Reply before = api.get("/api/v1/admin/metrics", TestApi.ADMIN_KEY);
        assertThat(before.status()).isEqualTo(200);
        assertThat(value(before.body(), "maltese_model_loaded")).isZero();
        StoriesModel.loadOverApi(api);

        Reply chat = api.post("/api/v1/chat", TestApi.USER_KEY, "{\"message\": \"" + StoriesModel.PROMPT + "\", "
                + "\"parameters\": {\"do_sample\": false, \"max_length\": 30, \"repetition_penalty\": 1.0}}");
        assertThat(chat.json().get("response").asText()).isEqualTo(StoriesModel.GREEDY);
        Reply openAi = api.post("/api/v1/openai/chat/completions", TestApi.USER_KEY, "{\"messages\": [{\"role\": \"user\", "
                + "\"content\": \"" + StoriesModel.PROMPT + "\"}], \"temperature\": 0, \"max_tokens\": 30, "
                + "\"repetition_penalty\": 1.0}");
        assertThat(openAi.json().at("/choices/0/message/content").asText()).isEqualTo(StoriesModel.GREEDY);
        Reply refused = api.post("/api/v1/chat", TestApi.USER_KEY, "{\"message\": \"hi\", \"model_id\": \"other/model\"}");
        assertThat(refused.status()).isEqualTo(409);
        // Refused before the model: validation in the chat processor, the OpenAI channel's own checks, no JSON.
        assertThat(api.post("/api/v1/chat", TestApi.USER_KEY, "{\"message\": \"hi\", \"parameters\": {\"max_length\": 0}}")
                .status()).isEqualTo(400);
        assertThat(api.post("/api/v1/openai/completions", TestApi.USER_KEY, "{\"prompt\": \"hi\", \"n\": 2}").status())
                .isEqualTo(400);
        assertThat(api.post("/api/v1/chat", TestApi.USER_KEY, "{\"message\": ").status()).isEqualTo(400);

        Reply scrape = api.get("/api/v1/admin/metrics", TestApi.ADMIN_KEY);
        assertThat(scrape.status()).isEqualTo(200);
        assertThat(scrape.header("Content-Type")).startsWith("text/plain").contains("version=0.0.4");
        String text = scrape.body();
        for (String channel : new String[] {"api", "openai"}) {
            String labels = String.format(MODEL, channel);
            assertThat(value(text, "maltese_chat_replies_total{channel=\"" + channel + "\",finish_reason=\"length\","
                    + "model=\"karpathy/stories260K\"}")).as(channel).isEqualTo(1);
            assertThat(value(text, "maltese_prompt_tokens_total" + labels)).as(channel).isEqualTo(5);
            assertThat(value(text, "maltese_completion_tokens_total" + labels)).as(channel).isEqualTo(30);
            assertThat(value(text, "maltese_chat_generation_seconds_count" + labels)).as(channel).isEqualTo(1);
            assertThat(value(text, "maltese_chat_generation_seconds_sum" + labels)).as(channel).isPositive();
        }
        assertThat(value(text, "maltese_chat_failures_total{channel=\"api\",status=\"409\"}")).isEqualTo(1);
        assertThat(value(text, "maltese_chat_failures_total{channel=\"api\",status=\"400\"}")).isEqualTo(2);
        assertThat(value(text, "maltese_chat_failures_total{channel=\"openai\",status=\"400\"}")).isEqualTo(1);
        assertThat(value(text, "maltese_model_loaded")).isEqualTo(1);
        assertThat(value(text, "maltese_model_memory_bytes")).isPositive();
        assertThat(value(text, "maltese_chats_limit")).isEqualTo(32);
        assertThat(value(text, "maltese_chats_admitted")).isZero();
        assertThat(text).contains("jvm_memory_used_bytes{", "process_uptime_seconds ");

        assertThat(api.get("/api/v1/admin/metrics", TestApi.USER_KEY).status()).isEqualTo(403);
        assertThat(api.get("/api/v1/admin/metrics", null).status()).isEqualTo(401);
    }

    /** The sample's value on the line {@code name} (with its labels, exactly as written) begins. */
    private static double value(String scrape, String series) {
        Matcher line = Pattern.compile("(?m)^" + Pattern.quote(series) + " (\\S+)$").matcher(scrape);
        assertThat(line.find()).as(series + " in\n" + scrape.lines().filter(l -> l.startsWith("maltese_")).toList()).isTrue();
        return Double.parseDouble(line.group(1));
    }
}
