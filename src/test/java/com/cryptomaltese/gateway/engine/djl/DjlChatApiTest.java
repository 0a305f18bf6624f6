package com.cryptomaltese.gateway.engine.djl;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import com.cryptomaltese.gateway.TestApi;
import com.cryptomaltese.gateway.TestApi.Reply;
import com.cryptomaltese.gateway.TestData;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.camel.test.spring.junit5.CamelSpringBootTest;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;

/**
 * Models on the DJL engine, loaded and chatted with through /api/v1 from the Hugging Face cache
 * layout of the data dir: the real trained TinyStories-260K (expected text: transformers' greedy
 * continuation recorded in ../shared/models/PROVENANCE.md) and a fixture model with a chat template.
 */
@CamelSpringBootTest
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "gateway.data-dir=" + DjlChatApiTest.DATA, "gateway.security.api-keys=" + TestApi.USER_KEY})
class DjlChatApiTest {

    static final String DATA = "target/test-data/djl-chat";
    static final Path DATA_DIR = TestData.freshDataDir(DATA);
    static final Path STORIES = Path.of("../shared/models/stories260K/hf").toAbsolutePath().normalize();
    static final String MODEL = "/api/v1/models/karpathy%2Fstories260K";
    static final String STORIES_GREEDY =
            ", there was a little girl named Lily. She loved to play outside in the park. One day,";

    @LocalServerPort
    int port;
    TestApi api;

    static final Path FIXTURE_LLAMA = Path.of("src/test/resources/fixtures/models/llama").toAbsolutePath();

    /** Snapshot files are symlinks to the model's files, as the Hub cache links them to blobs. */
    @BeforeAll
    static void modelsInHubCacheLayout() {
        TestData.linkHubModel(DATA_DIR, STORIES, "karpathy", "stories260K");
        TestData.linkHubModel(DATA_DIR, FIXTURE_LLAMA, "fixtures", "llama");
    }

    /**
     * A model with a ChatML template: the message goes through the template and the tokenizer
     * exactly as transformers' apply_chat_template, so the reply equals transformers' greedy
     * continuation of the rendered chat (tools/fixtures/make_models.py, golden.json).
     */
    @Test
    void chatTemplateModelAnswersAsTransformers() throws IOException {
        JsonNode golden = new ObjectMapper().readTree(FIXTURE_LLAMA.resolve("golden.json").toFile());
        String message = golden.at("/prompts/chat/messages/0/content").asText();
        assertThat(api.post("/api/v1/models/fixtures%2Fllama/load", TestApi.USER_KEY, null).status()).isEqualTo(200);
        try {
            Reply chat = api.post("/api/v1/chat", TestApi.USER_KEY, new ObjectMapper().createObjectNode()
                    .put("message", message)
                    .set("parameters", new ObjectMapper().createObjectNode()
                            .put("do_sample", false).put("max_length", 32).put("repetition_penalty", 1.0))
                    .toString());
            assertThat(chat.status()).as(chat.body()).isEqualTo(200);
            assertThat(chat.json().get("response").asText()).isEqualTo(golden.at("/greedy/text_skip_special").asText());
            assertThat(chat.json().at("/usage/prompt_tokens").asInt()).isEqualTo(golden.at("/prompts/chat/ids").size());
            assertThat(chat.json().at("/usage/completion_tokens").asInt()).isEqualTo(32);
        } finally {
            api.post("/api/v1/models/fixtures%2Fllama/unload", TestApi.USER_KEY, null);
        }
    }

    @BeforeEach
    void client() {
        api = new TestApi(port);
    }

    /** Sampling with a seed is reproducible; beam search cannot sample; the fixture's beam text equals transformers'. */
    @Test
    void seededSamplingRepeatsAndBeamSearchAnswersAsTransformers() throws IOException {
        JsonNode golden = new ObjectMapper().readTree(FIXTURE_LLAMA.resolve("golden.json").toFile());
        String message = golden.at("/prompts/chat/messages/0/content").asText();
        assertThat(api.post("/api/v1/models/fixtures%2Fllama/load", TestApi.USER_KEY, null).status()).isEqualTo(200);
        try {
            String seeded = chatBody(message, "{\"do_sample\": true, \"temperature\": 1.0, \"top_k\": 50, "
                    + "\"top_p\": 0.95, \"max_length\": 24, \"seed\": 1234}");
            Reply first = api.post("/api/v1/chat", TestApi.USER_KEY, seeded);
            Reply second = api.post("/api/v1/chat", TestApi.USER_KEY, seeded);
            assertThat(first.status()).as(first.body()).isEqualTo(200);
            assertThat(second.json().get("response").asText()).isEqualTo(first.json().get("response").asText());
            assertThat(first.json().at("/parameters_used/seed").asInt()).isEqualTo(1234);

            Reply clash = api.post("/api/v1/chat", TestApi.USER_KEY,
                    chatBody(message, "{\"do_sample\": true, \"num_beams\": 2}"));
            assertThat(clash.status()).as(clash.body()).isEqualTo(400);
            assertThat(clash.json().at("/details/0/field").asText()).isEqualTo("parameters.num_beams");

            Reply beam = api.post("/api/v1/chat", TestApi.USER_KEY, chatBody(message, "{\"do_sample\": false, "
                    + "\"num_beams\": 3, \"length_penalty\": 0.8, \"early_stopping\": true, \"max_length\": 16, "
                    + "\"repetition_penalty\": 1.0}"));
            assertThat(beam.status()).as(beam.body()).isEqualTo(200);
            assertThat(beam.json().get("response").asText()).isEqualTo(golden.at("/beam/text_skip_special").asText());
        } finally {
            api.post("/api/v1/models/fixtures%2Fllama/unload", TestApi.USER_KEY, null);
        }
    }

    private static String chatBody(String message, String parametersJson) throws IOException {
        ObjectMapper json = new ObjectMapper();
        return json.createObjectNode().put("message", message).set("parameters", json.readTree(parametersJson))
                .toString();
    }

    /** Concurrent chats share the one model without mixing their sequences: every reply is the greedy one. */
    @Test
    void concurrentChatsEachGetTheirOwnSequence() throws Exception {
        assertThat(api.post(MODEL + "/load", TestApi.USER_KEY, null).status()).isEqualTo(200);
        try {
            ExecutorService pool = Executors.newFixedThreadPool(4);
            try {
                List<Future<Reply>> replies = new ArrayList<>();
                for (int i = 0; i < 8; i++) {
                    replies.add(pool.submit(() -> api.post("/api/v1/chat", TestApi.USER_KEY, """
                            {"message": "Once upon a time",
                             "parameters": {"do_sample": false, "max_length": 30, "repetition_penalty": 1.0}}""")));
                }
                for (Future<Reply> reply : replies) {
                    Reply r = reply.get(120, TimeUnit.SECONDS);
                    assertThat(r.status()).as(r.body()).isEqualTo(200);
                    assertThat(r.json().get("response").asText()).isEqualTo(STORIES_GREEDY);
                }
            } finally {
                pool.shutdownNow();
            }
        } finally {
            api.post(MODEL + "/unload", TestApi.USER_KEY, null);
        }
    }

    @Test
    void storiesAnswersWithTransformersGreedyText() {
        Reply load = api.post(MODEL + "/load", TestApi.USER_KEY, null);
        assertThat(load.status()).as(load.body()).isEqualTo(200);
        assertThat(load.json().get("engine").asText()).isEqualTo("djl-pytorch");
        try {
            Reply chat = api.post("/api/v1/chat", TestApi.USER_KEY, """
                    {"message": "Once upon a time", "model_id": "karpathy/stories260K",
                     "parameters": {"do_sample": false, "max_length": 30, "repetition_penalty": 1.0}}""");
            assertThat(chat.status()).as(chat.body()).isEqualTo(200);
            JsonNode body = chat.json();
            assertThat(body.get("response").asText()).isEqualTo(STORIES_GREEDY);
            assertThat(body.get("model_id").asText()).isEqualTo("karpathy/stories260K");
            assertThat(body.get("finish_reason").asText()).isEqualTo("length");
            assertThat(body.at("/usage/prompt_tokens").asInt()).isEqualTo(5);
            assertThat(body.at("/usage/completion_tokens").asInt()).isEqualTo(30);
            // defaults <- stored (none) <- request
            JsonNode used = body.get("parameters_used");
            assertThat(used.get("do_sample").asBoolean()).isFalse();
            assertThat(used.get("max_length").asInt()).isEqualTo(30);
            assertThat(used.get("repetition_penalty").asDouble()).isEqualTo(1.0);
            assertThat(used.get("temperature").asDouble()).isEqualTo(0.7);
            assertThat(used.get("top_k").asInt()).isEqualTo(50);
            assertThat(used.size()).isEqualTo(9);

            JsonNode listed = api.get("/api/v1/models", TestApi.USER_KEY).json();
            assertThat(listed.get("loaded_model").asText()).isEqualTo("karpathy/stories260K");
            assertThat(listed.get("models").findValuesAsText("status")).containsExactly("available", "loaded");
        } finally {
            assertThat(api.post(MODEL + "/unload", TestApi.USER_KEY, null).status()).isEqualTo(200);
        }
        assertThat(api.post("/api/v1/chat", TestApi.USER_KEY, "{\"message\": \"hi\"}").status()).isEqualTo(503);
    }
}
