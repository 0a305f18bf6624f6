package com.cryptomaltese.gateway.engine.djl;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import com.cryptomaltese.gateway.EventStreamReader;
import com.cryptomaltese.gateway.TestApi;
import com.cryptomaltese.gateway.TestApi.Reply;
import com.cryptomaltese.gateway.TestData;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
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
        // The llama fixture with a generation_config.json of its own (not a link to the fixture's).
        Path genconfig = TestData.linkHubModel(DATA_DIR, FIXTURE_LLAMA, "fixtures", "llama-genconfig")
                .resolve("snapshots/0123abcd/generation_config.json");
        try {
            Files.delete(genconfig);
            Files.writeString(genconfig, """
                    {"bos_token_id": 0, "eos_token_id": 2, "pad_token_id": 0, "do_sample": false,
                     "repetition_penalty": 1.3, "max_new_tokens": 32, "temperature": 0.3, "top_k": 20,
                     "max_length": 20}""");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
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
            String request = new ObjectMapper().createObjectNode()
                    .put("message", message)
                    .set("parameters", new ObjectMapper().createObjectNode()
                            .put("do_sample", false).put("max_length", 32).put("repetition_penalty", 1.0))
                    .toString();
            Reply chat = api.post("/api/v1/chat", TestApi.USER_KEY, request);
            assertThat(chat.status()).as(chat.body()).isEqualTo(200);
            assertThat(chat.json().get("response").asText()).isEqualTo(golden.at("/greedy/text_skip_special").asText());
            assertThat(chat.json().at("/usage/prompt_tokens").asInt()).isEqualTo(golden.at("/prompts/chat/ids").size());
            assertThat(chat.json().at("/usage/completion_tokens").asInt()).isEqualTo(32);

            // Streamed, the pieces add up to the same text (random weights: byte tokens, partial characters).
            HttpResponse<InputStream> streamed = api.postStreaming("/api/v1/chat", TestApi.USER_KEY,
                    ((ObjectNode) new ObjectMapper().readTree(request)).put("stream", true).toString());
            assertThat(streamed.statusCode()).isEqualTo(200);
            List<EventStreamReader.Event> events = EventStreamReader.readAll(streamed.body());
            assertThat(EventStreamReader.tokenText(events)).isEqualTo(golden.at("/greedy/text_skip_special").asText());
            assertThat(events.get(events.size() - 1).data().get("response").asText())
                    .isEqualTo(golden.at("/greedy/text_skip_special").asText());
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

    /**
     * eos_token_id and pad_token_id in the request replace the model's: the reply stops where transformers'
     * generate() stopped with the same arguments (golden.json eos_override, eos_override_list,
     * beam_eos_override), with finish_reason stop; ids beyond the vocabulary are refused by field.
     */
    @Test
    void requestEosAndPadIdsOverrideTheModels() throws IOException {
        JsonNode golden = new ObjectMapper().readTree(FIXTURE_LLAMA.resolve("golden.json").toFile());
        String message = golden.at("/prompts/chat/messages/0/content").asText();
        assertThat(api.post("/api/v1/models/fixtures%2Fllama/load", TestApi.USER_KEY, null).status()).isEqualTo(200);
        try {
            String greedy = "\"do_sample\": false, \"max_length\": 32, \"repetition_penalty\": 1.0";
            Reply own = api.post("/api/v1/chat", TestApi.USER_KEY, chatBody(message, "{" + greedy + "}"));
            assertThat(own.json().get("finish_reason").asText()).isEqualTo("length");
            // the model's own ids, from its generation_config.json
            assertThat(own.json().at("/parameters_used/eos_token_id").asInt()).isEqualTo(2);
            assertThat(own.json().at("/parameters_used/pad_token_id").asInt()).isEqualTo(0);

            for (String entry : new String[] {"eos_override", "eos_override_list"}) {
                JsonNode run = golden.get(entry);
                JsonNode kwargs = run.get("kwargs");
                Reply chat = api.post("/api/v1/chat", TestApi.USER_KEY, chatBody(message, "{" + greedy
                        + ", \"eos_token_id\": " + kwargs.get("eos_token_id") + ", \"pad_token_id\": "
                        + kwargs.get("pad_token_id") + "}"));
                assertThat(chat.status()).as(chat.body()).isEqualTo(200);
                assertThat(chat.json().get("response").asText()).as(entry).isEqualTo(run.get("text_skip_special").asText());
                assertThat(chat.json().get("finish_reason").asText()).isEqualTo("stop");
                assertThat(chat.json().at("/usage/completion_tokens").asInt()).isEqualTo(run.get("new_ids").size());
                assertThat(chat.json().at("/parameters_used/eos_token_id")).isEqualTo(kwargs.get("eos_token_id"));
                assertThat(chat.json().at("/parameters_used/pad_token_id")).isEqualTo(kwargs.get("pad_token_id"));
            }

            JsonNode beam = golden.get("beam_eos_override");
            Reply beamed = api.post("/api/v1/chat", TestApi.USER_KEY, chatBody(message, "{\"do_sample\": false, "
                    + "\"num_beams\": 3, \"length_penalty\": 0.8, \"early_stopping\": true, \"max_length\": 16, "
                    + "\"repetition_penalty\": 1.0, \"eos_token_id\": " + beam.at("/kwargs/eos_token_id") + "}"));
            assertThat(beamed.status()).as(beamed.body()).isEqualTo(200);
            assertThat(beamed.json().get("response").asText()).isEqualTo(beam.get("text_skip_special").asText());
            assertThat(beamed.json().get("finish_reason").asText()).isEqualTo("stop");

            Reply tooLarge = api.post("/api/v1/chat", TestApi.USER_KEY, chatBody(message, "{\"eos_token_id\": [2, 384]}"));
            assertThat(tooLarge.status()).as(tooLarge.body()).isEqualTo(400);
            assertThat(tooLarge.json().at("/details/0/field").asText()).isEqualTo("parameters.eos_token_id");
            assertThat(tooLarge.json().at("/details/0/problem").asText()).contains("384");
            Reply padTooLarge = api.post("/api/v1/chat", TestApi.USER_KEY, chatBody(message, "{\"pad_token_id\": 999}"));
            assertThat(padTooLarge.status()).as(padTooLarge.body()).isEqualTo(400);
            assertThat(padTooLarge.json().at("/details/0/field").asText()).isEqualTo("parameters.pad_token_id");
            Reply negative = api.post("/api/v1/chat", TestApi.USER_KEY, chatBody(message, "{\"eos_token_id\": -2}"));
            assertThat(negative.status()).as(negative.body()).isEqualTo(400);
            assertThat(negative.json().at("/details/0/field").asText()).isEqualTo("parameters.eos_token_id");

            // Stored for the model, the override applies to every chat.
            JsonNode run = golden.get("eos_override");
            Reply stored = api.put("/api/v1/models/fixtures%2Fllama/parameters", TestApi.USER_KEY,
                    "{\"eos_token_id\": " + run.at("/kwargs/eos_token_id") + "}");
            assertThat(stored.status()).as(stored.body()).isEqualTo(200);
            Reply chat = api.post("/api/v1/chat", TestApi.USER_KEY, chatBody(message, "{" + greedy + "}"));
            assertThat(chat.json().get("response").asText()).isEqualTo(run.get("text_skip_special").asText());
            assertThat(chat.json().get("finish_reason").asText()).isEqualTo("stop");
        } finally {
            api.post("/api/v1/models/fixtures%2Fllama/parameters/reset", TestApi.USER_KEY, null);
            api.post("/api/v1/models/fixtures%2Fllama/unload", TestApi.USER_KEY, null);
        }
    }

    /**
     * A model whose generation_config.json asks for greedy decoding with repetition_penalty 1.3 and 32 new
     * tokens answers a chat without parameters exactly as transformers' generate() with those arguments
     * (golden.json repetition_penalty); stored parameters and the request's still win over the file.
     */
    @Test
    void generationConfigDefaultsReachTheModel() throws IOException {
        JsonNode golden = new ObjectMapper().readTree(FIXTURE_LLAMA.resolve("golden.json").toFile());
        String message = golden.at("/prompts/chat/messages/0/content").asText();
        String model = "/api/v1/models/fixtures%2Fllama-genconfig";
        JsonNode used;
        assertThat(api.post(model + "/load", TestApi.USER_KEY, null).status()).isEqualTo(200);
        try {
            JsonNode parameters = api.get(model + "/parameters", TestApi.USER_KEY).json();
            assertThat(parameters.at("/parameters/top_k").asInt()).isEqualTo(20);
            assertThat(parameters.at("/sources/top_k").asText()).isEqualTo("generation_config");
            assertThat(parameters.at("/sources/seed").isMissingNode()).isTrue();

            Reply chat = api.post("/api/v1/chat", TestApi.USER_KEY, "{\"message\": " + json(message) + "}");
            assertThat(chat.status()).as(chat.body()).isEqualTo(200);
            assertThat(chat.json().get("response").asText())
                    .isEqualTo(golden.at("/repetition_penalty/text_skip_special").asText());
            used = chat.json().get("parameters_used");
            assertThat(used.get("do_sample").asBoolean()).isFalse();
            assertThat(used.get("repetition_penalty").asDouble()).isEqualTo(1.3);
            assertThat(used.get("max_length").asInt()).isEqualTo(32);
            assertThat(used.get("temperature").asDouble()).isEqualTo(0.3);
            assertThat(used.get("top_p").asDouble()).as("gateway default").isEqualTo(0.9);

            assertThat(api.put(model + "/parameters", TestApi.USER_KEY, "{\"repetition_penalty\": 1.0}").status())
                    .isEqualTo(200);
            Reply stored = api.post("/api/v1/chat", TestApi.USER_KEY, "{\"message\": " + json(message) + "}");
            assertThat(stored.json().get("response").asText()).isEqualTo(golden.at("/greedy/text_skip_special").asText());
            Reply requested = api.post("/api/v1/chat", TestApi.USER_KEY,
                    chatBody(message, "{\"repetition_penalty\": 1.3}"));
            assertThat(requested.json().get("response").asText())
                    .isEqualTo(golden.at("/repetition_penalty/text_skip_special").asText());
        } finally {
            api.post(model + "/parameters/reset", TestApi.USER_KEY, null);
            api.post(model + "/unload", TestApi.USER_KEY, null);
        }
    }

    private static String json(String text) {
        return new ObjectMapper().getNodeFactory().textNode(text).toString();
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
            // defaults <- generation_config.json <- stored (none) <- request
            JsonNode used = body.get("parameters_used");
            assertThat(used.get("do_sample").asBoolean()).isFalse();
            assertThat(used.get("max_length").asInt()).isEqualTo(30);
            assertThat(used.get("repetition_penalty").asDouble()).isEqualTo(1.0);
            assertThat(used.get("temperature").asDouble()).isEqualTo(0.7);
            assertThat(used.get("top_k").asInt()).isEqualTo(50);
            // do_sample and eos_token_id are the model's generation_config.json's
            assertThat(used.get("eos_token_id").asInt()).isEqualTo(2);
            assertThat(used.size()).isEqualTo(10);

            JsonNode listed = api.get("/api/v1/models", TestApi.USER_KEY).json();
            assertThat(listed.get("loaded_model").asText()).isEqualTo("karpathy/stories260K");
            assertThat(listed.get("models").findValuesAsText("status"))
                    .containsExactly("available", "available", "loaded"); // fixtures/llama, fixtures/llama-genconfig
        } finally {
            assertThat(api.post(MODEL + "/unload", TestApi.USER_KEY, null).status()).isEqualTo(200);
        }
        assertThat(api.post("/api/v1/chat", TestApi.USER_KEY, "{\"message\": \"hi\"}").status()).isEqualTo(503);
    }
}
