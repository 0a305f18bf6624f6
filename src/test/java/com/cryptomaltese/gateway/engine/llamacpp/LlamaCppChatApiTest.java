package com.cryptomaltese.gateway.engine.llamacpp;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
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
import com.cryptomaltese.gateway.engine.exported.Goldens;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.camel.test.spring.junit5.CamelSpringBootTest;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.util.FileSystemUtils;

/**
 * GGUF models on llama.cpp through /api/v1, from the Hugging Face cache layout of the data dir: the
 * trained TinyStories-260K GGUF (expected text: transformers' greedy continuation recorded in
 * ../shared/models/PROVENANCE.md; raw text with BOS, no chat template) and the qwen2 fixture as
 * F32 (with transformers' golden) and Q8_0 GGUF.
 */
@CamelSpringBootTest
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "gateway.data-dir=" + LlamaCppChatApiTest.DATA, "gateway.security.api-keys=" + TestApi.USER_KEY})
class LlamaCppChatApiTest {

    static final String DATA = "target/test-data/llamacpp-chat";
    static final Path DATA_DIR = TestData.freshDataDir(DATA);
    static final String STORIES = "/api/v1/models/karpathy%2Fstories260K-GGUF";
    static final String F32 = "/api/v1/models/fixtures%2Fqwen2-gguf-f32";
    static final String GREEDY_PARAMS = "{\"do_sample\": false, \"max_length\": 30, \"repetition_penalty\": 1.0}";
    static final ObjectMapper JSON = new ObjectMapper();

    @LocalServerPort
    int port;
    TestApi api;

    @BeforeAll
    static void modelsInHubCacheLayout() throws IOException {
        TestData.linkHubModel(DATA_DIR, LlamaCppEngineTest.STORIES_GGUF, "karpathy", "stories260K-GGUF");
        TestData.linkHubModel(DATA_DIR, GgufFixtureTest.F32, "fixtures", "qwen2-gguf-f32");
        TestData.linkHubModel(DATA_DIR, GgufFixtureTest.Q8_0, "fixtures", "qwen2-gguf-q8_0");
        // The first 4000 bytes of stories260K.gguf: a header cut off inside its vocabulary.
        Path truncated = Files.createDirectories(DATA_DIR.resolve("source/truncated"));
        try (InputStream in = Files.newInputStream(LlamaCppEngineTest.STORIES_GGUF.resolve("stories260K.gguf"))) {
            Files.write(truncated.resolve("model.gguf"), in.readNBytes(4000));
        }
        TestData.linkHubModel(DATA_DIR, truncated, "broken", "truncated-GGUF");
        Path garbage = Files.createDirectories(DATA_DIR.resolve("source/garbage"));
        Files.write(garbage.resolve("model.gguf"), "GGUF but then nothing a header should hold".getBytes());
        TestData.linkHubModel(DATA_DIR, garbage, "broken", "garbage-GGUF");
        // stories260K.gguf with output_norm.weight renamed (same length, so every offset holds): a header
        // that reads well and a vocabulary llama.cpp loads, but a tensor its full load does not find.
        byte[] gguf = Files.readAllBytes(LlamaCppEngineTest.STORIES_GGUF.resolve("stories260K.gguf"));
        byte[] name = "output_norm.weight".getBytes(StandardCharsets.US_ASCII);
        int at = indexOf(gguf, name);
        assertThat(indexOf(Arrays.copyOfRange(gguf, at + 1, gguf.length), name)).isNegative();
        System.arraycopy("output_nrom.weight".getBytes(StandardCharsets.US_ASCII), 0, gguf, at, name.length);
        Path missing = Files.createDirectories(DATA_DIR.resolve("source/missing-tensor"));
        Files.write(missing.resolve("model.gguf"), gguf);
        TestData.linkHubModel(DATA_DIR, missing, "broken", "missing-tensor-GGUF");
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    @BeforeEach
    void client() {
        api = new TestApi(port);
    }

    private Reply chat(String message, String parametersJson) throws IOException {
        return api.post("/api/v1/chat", TestApi.USER_KEY, JSON.createObjectNode().put("message", message)
                .set("parameters", JSON.readTree(parametersJson)).toString());
    }

    private static JsonNode model(JsonNode list, String id) {
        for (JsonNode m : list.get("models")) {
            if (m.get("id").asText().equals(id)) {
                return m;
            }
        }
        throw new AssertionError(id + " not listed: " + list);
    }

    @Test
    void storiesAnswersWithTransformersGreedyText() throws IOException {
        Reply load = api.post(STORIES + "/load", TestApi.USER_KEY, null);
        assertThat(load.status()).as(load.body()).isEqualTo(200);
        assertThat(load.json().get("engine").asText()).isEqualTo("llama.cpp");
        try {
            Reply reply = chat("Once upon a time", GREEDY_PARAMS);
            assertThat(reply.status()).as(reply.body()).isEqualTo(200);
            JsonNode body = reply.json();
            assertThat(body.get("response").asText()).isEqualTo(LlamaCppEngineTest.GREEDY_30);
            assertThat(body.get("model_id").asText()).isEqualTo("karpathy/stories260K-GGUF");
            assertThat(body.get("finish_reason").asText()).isEqualTo("length");
            assertThat(body.at("/usage/prompt_tokens").asInt()).isEqualTo(5);
            assertThat(body.at("/usage/completion_tokens").asInt()).isEqualTo(30);

            JsonNode listed = model(api.get("/api/v1/models", TestApi.USER_KEY).json(), "karpathy/stories260K-GGUF");
            assertThat(listed.get("status").asText()).isEqualTo("loaded");
            assertThat(listed.get("format").asText()).isEqualTo("gguf");
            assertThat(listed.get("engine").asText()).isEqualTo("llama.cpp");
            assertThat(listed.get("quantisation").asText()).isEqualTo("F32");
            assertThat(listed.get("size").asLong()).isEqualTo(1_054_560L); // PROVENANCE.md
        } finally {
            assertThat(api.post(STORIES + "/unload", TestApi.USER_KEY, null).status()).isEqualTo(200);
        }
        assertThat(api.post("/api/v1/chat", TestApi.USER_KEY, "{\"message\": \"hi\"}").status()).isEqualTo(503);
    }

    /** The ChatML template from the GGUF header, as for the safetensors twin: transformers' golden reply. */
    @Test
    void chatTemplateFromTheGgufHeaderAnswersAsTransformers() throws IOException {
        JsonNode golden = GgufFixtureTest.golden();
        assertThat(api.post(F32 + "/load", TestApi.USER_KEY, null).status()).isEqualTo(200);
        try {
            Reply reply = chat(golden.at("/prompt/messages/0/content").asText(), "{\"do_sample\": false, "
                    + "\"repetition_penalty\": 1.0, \"max_length\": " + golden.at("/greedy/kwargs/max_new_tokens") + "}");
            assertThat(reply.status()).as(reply.body()).isEqualTo(200);
            assertThat(reply.json().get("response").asText()).isEqualTo(golden.at("/greedy/text_skip_special").asText());
            assertThat(reply.json().at("/usage/prompt_tokens").asInt()).isEqualTo(golden.at("/prompt/ids").size());

            // Streamed, the pieces add up to the same text (random weights: byte tokens, partial characters).
            HttpResponse<InputStream> streamed = api.postStreaming("/api/v1/chat", TestApi.USER_KEY,
                    JSON.createObjectNode().put("message", golden.at("/prompt/messages/0/content").asText())
                            .put("stream", true).set("parameters", JSON.readTree("{\"do_sample\": false, "
                                    + "\"repetition_penalty\": 1.0, \"max_length\": "
                                    + golden.at("/greedy/kwargs/max_new_tokens") + "}")).toString());
            assertThat(streamed.statusCode()).isEqualTo(200);
            assertThat(EventStreamReader.tokenText(EventStreamReader.readAll(streamed.body())))
                    .isEqualTo(golden.at("/greedy/text_skip_special").asText());
        } finally {
            api.post(F32 + "/unload", TestApi.USER_KEY, null);
        }
    }

    /**
     * Beam search and its parameters on a GGUF model: transformers' golden beam reply of the safetensors
     * twin (same prompt ids, its end tokens [2, 0] sent as the request's eos_token_id).
     */
    @Test
    void beamSearchAnswersAsTransformers() throws IOException {
        JsonNode golden = Goldens.golden("qwen2").get("beam");
        assertThat(api.post(F32 + "/load", TestApi.USER_KEY, null).status()).isEqualTo(200);
        try {
            Reply reply = chat(GgufFixtureTest.golden().at("/prompt/messages/0/content").asText(),
                    "{\"do_sample\": false, \"num_beams\": 3, \"length_penalty\": 0.8, \"early_stopping\": true, "
                            + "\"repetition_penalty\": 1.0, \"max_length\": 16, \"eos_token_id\": [2, 0]}");
            assertThat(reply.status()).as(reply.body()).isEqualTo(200);
            assertThat(reply.json().get("response").asText()).isEqualTo(golden.get("text_skip_special").asText());
            assertThat(reply.json().at("/parameters_used/num_beams").asInt()).isEqualTo(3);
        } finally {
            api.post(F32 + "/unload", TestApi.USER_KEY, null);
        }
    }

    /** An eos_token_id of the request ends the reply at that token: the first of the greedy story. */
    @Test
    void anEosOverrideEndsTheReplyAtItsToken() throws IOException {
        assertThat(api.post(STORIES + "/load", TestApi.USER_KEY, null).status()).isEqualTo(200);
        try {
            Reply reply = chat("Once upon a time", "{\"do_sample\": false, \"eos_token_id\": 432}");
            assertThat(reply.status()).as(reply.body()).isEqualTo(200);
            assertThat(reply.json().get("response").asText()).isEqualTo(",");
            assertThat(reply.json().get("finish_reason").asText()).isEqualTo("stop");
            assertThat(reply.json().at("/usage/completion_tokens").asInt()).isEqualTo(1);
        } finally {
            api.post(STORIES + "/unload", TestApi.USER_KEY, null);
        }
    }

    @Test
    void seededSamplingRepeats() throws IOException {
        assertThat(api.post(STORIES + "/load", TestApi.USER_KEY, null).status()).isEqualTo(200);
        try {
            String params = "{\"do_sample\": true, \"temperature\": 1.0, \"top_k\": 50, \"top_p\": 0.95, "
                    + "\"max_length\": 40, \"seed\": 1234}";
            Reply first = chat("Once upon a time", params);
            Reply second = chat("Once upon a time", params);
            assertThat(first.status()).as(first.body()).isEqualTo(200);
            assertThat(second.json().get("response").asText()).isEqualTo(first.json().get("response").asText());
            assertThat(first.json().at("/parameters_used/seed").asInt()).isEqualTo(1234);
        } finally {
            api.post(STORIES + "/unload", TestApi.USER_KEY, null);
        }
    }

    @Test
    void concurrentChatsAreServedOneAtATime() throws Exception {
        assertThat(api.post(STORIES + "/load", TestApi.USER_KEY, null).status()).isEqualTo(200);
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<Reply>> replies = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                replies.add(pool.submit(() -> chat("Once upon a time", GREEDY_PARAMS)));
            }
            for (Future<Reply> reply : replies) {
                Reply r = reply.get(120, TimeUnit.SECONDS);
                assertThat(r.status()).as(r.body()).isEqualTo(200);
                assertThat(r.json().get("response").asText()).isEqualTo(LlamaCppEngineTest.GREEDY_30);
            }
        } finally {
            pool.shutdownNow();
            api.post(STORIES + "/unload", TestApi.USER_KEY, null);
        }
    }

    /** Malformed files are refused by the Java header reader; the process and other models carry on. */
    @Test
    void malformedGgufIsALoadErrorAndTheGatewaySurvives() {
        Reply truncated = api.post("/api/v1/models/broken%2Ftruncated-GGUF/load", TestApi.USER_KEY, null);
        assertThat(truncated.status()).as(truncated.body()).isEqualTo(409);
        assertThat(truncated.json().get("message").asText())
                .startsWith("model broken/truncated-GGUF cannot be loaded: GGUF file model.gguf is malformed: ")
                .contains("exceeds the 3");
        Reply garbage = api.post("/api/v1/models/broken%2Fgarbage-GGUF/load", TestApi.USER_KEY, null);
        assertThat(garbage.status()).as(garbage.body()).isEqualTo(409);
        assertThat(garbage.json().get("message").asText()).contains("GGUF file model.gguf is malformed: ");

        JsonNode listed = model(api.get("/api/v1/models", TestApi.USER_KEY).json(), "broken/truncated-GGUF");
        assertThat(listed.get("status").asText()).isEqualTo("error");
        assertThat(listed.get("error").asText()).contains("malformed");

        Reply load = api.post(STORIES + "/load", TestApi.USER_KEY, null);
        assertThat(load.status()).as(load.body()).isEqualTo(200);
        api.post(STORIES + "/unload", TestApi.USER_KEY, null);
    }

    /**
     * A file only llama.cpp's full load finds wrong (a tensor it needs is missing) fails after the
     * loaded model gave way: that model is loaded again and answers as before; without one, nothing is.
     */
    @Test
    void aModelThatFailsInTheFullLoadGivesTheLoadedOneBack() throws IOException {
        String broken = "/api/v1/models/broken%2Fmissing-tensor-GGUF/load";
        Reply alone = api.post(broken, TestApi.USER_KEY, null);
        assertThat(alone.status()).as(alone.body()).isEqualTo(409);
        assertThat(alone.json().get("message").asText())
                .startsWith("model broken/missing-tensor-GGUF cannot be loaded: ")
                .contains("output_norm.weight").doesNotContain("unloaded for it").doesNotContain(DATA_DIR.toString());

        assertThat(api.post(STORIES + "/load", TestApi.USER_KEY, null).status()).isEqualTo(200);
        try {
            Reply failed = api.post(broken, TestApi.USER_KEY, null);
            assertThat(failed.status()).as(failed.body()).isEqualTo(409);
            assertThat(failed.json().get("message").asText())
                    .startsWith("model broken/missing-tensor-GGUF cannot be loaded: ")
                    .endsWith("; model karpathy/stories260K-GGUF, unloaded for it, was loaded again");

            JsonNode models = api.get("/api/v1/models", TestApi.USER_KEY).json();
            assertThat(model(models, "karpathy/stories260K-GGUF").get("status").asText()).isEqualTo("loaded");
            assertThat(model(models, "broken/missing-tensor-GGUF").get("status").asText()).isEqualTo("error");
            Reply reply = chat("Once upon a time", GREEDY_PARAMS);
            assertThat(reply.status()).as(reply.body()).isEqualTo(200);
            assertThat(reply.json().get("response").asText()).isEqualTo(LlamaCppEngineTest.GREEDY_30);
        } finally {
            assertThat(api.post(STORIES + "/unload", TestApi.USER_KEY, null).status()).isEqualTo(200);
        }
    }

    /** The model given up for the failed one cannot come back (its folder was deleted while it served): the 409 says so. */
    @Test
    void aModelThatCannotBeLoadedAgainIsNamedAndNoneIsLoaded() throws IOException {
        Path folder = TestData.linkHubModel(DATA_DIR, LlamaCppEngineTest.STORIES_GGUF, "gone", "stories-GGUF");
        Reply load = api.post("/api/v1/models/gone%2Fstories-GGUF/load", TestApi.USER_KEY, null);
        assertThat(load.status()).as(load.body()).isEqualTo(200);
        assertThat(FileSystemUtils.deleteRecursively(folder)).isTrue();

        Reply failed = api.post("/api/v1/models/broken%2Fmissing-tensor-GGUF/load", TestApi.USER_KEY, null);
        assertThat(failed.status()).as(failed.body()).isEqualTo(409);
        assertThat(failed.json().get("message").asText())
                .startsWith("model broken/missing-tensor-GGUF cannot be loaded: ")
                .endsWith("; model gone/stories-GGUF, unloaded for it, is no longer on disk");
        Reply chat = chat("Once upon a time", GREEDY_PARAMS);
        assertThat(chat.status()).as(chat.body()).isEqualTo(503);
        assertThat(chat.json().get("message").asText()).startsWith("no model is loaded");
    }

    @Test
    void q8_0ModelIsListedWithItsQuantisationAndAnswers() throws IOException {
        JsonNode listed = model(api.get("/api/v1/models", TestApi.USER_KEY).json(), "fixtures/qwen2-gguf-q8_0");
        assertThat(listed.get("quantisation").asText()).isEqualTo("Q8_0");
        assertThat(listed.get("engine").asText()).isEqualTo("llama.cpp");
        assertThat(listed.get("description").asText()).isEqualTo("qwen2 (GGUF v3, Q8_0, context 128)");
        assertThat(api.post("/api/v1/models/fixtures%2Fqwen2-gguf-q8_0/load", TestApi.USER_KEY, null).status())
                .isEqualTo(200);
        try {
            Reply reply = chat("Hello", "{\"do_sample\": false, \"max_length\": 8}");
            assertThat(reply.status()).as(reply.body()).isEqualTo(200);
            assertThat(reply.json().get("finish_reason").asText()).isEqualTo("length");
            assertThat(reply.json().at("/usage/completion_tokens").asInt()).isEqualTo(8);
        } finally {
            api.post("/api/v1/models/fixtures%2Fqwen2-gguf-q8_0/unload", TestApi.USER_KEY, null);
        }
    }
}
