package com.cryptomaltese.gateway.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.function.Consumer;

import com.cryptomaltese.gateway.EventStreamReader;
import com.cryptomaltese.gateway.EventStreamReader.Event;
import com.cryptomaltese.gateway.StoriesModel;
import com.cryptomaltese.gateway.TestApi;
import com.cryptomaltese.gateway.TestApi.Reply;
import com.cryptomaltese.gateway.TestData;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.camel.test.spring.junit5.CamelSpringBootTest;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;

/**
 * The OpenAI-compatible channel as OpenAI's clients use it (base URL /api/v1/openai, the key as a
 * bearer token), on the fixture llama model with its ChatML template. The expected reply of a whole
 * conversation is transformers' (tools/fixtures/conversation_golden.py: apply_chat_template of the
 * same four turns, greedy generate()); the object shapes are those of OpenAI's Chat Completions
 * reference. The gateway's system prompt is the golden conversation's own, so a conversation sent
 * without it must get the same reply, and one sent with it must not get it twice.
 */
@CamelSpringBootTest
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "gateway.data-dir=" + OpenAiApiTest.DATA, "gateway.security.api-keys=" + TestApi.USER_KEY,
        "gateway.chat.system-prompt=" + OpenAiApiTest.SYSTEM_PROMPT})
class OpenAiApiTest {

    static final String DATA = "target/test-data/openai";
    static final Path DATA_DIR = TestData.freshDataDir(DATA);
    static final Path FIXTURE_LLAMA = Path.of("src/test/resources/fixtures/models/llama").toAbsolutePath();
    static final String SYSTEM_PROMPT = "You are a kind farmer.";
    static final String COMPLETIONS = "/api/v1/openai/chat/completions";
    private static final ObjectMapper JSON = new ObjectMapper();

    @LocalServerPort
    int port;
    TestApi api;
    JsonNode golden;

    @BeforeAll
    static void models() {
        TestData.linkHubModel(DATA_DIR, FIXTURE_LLAMA, "fixtures", "llama");
        StoriesModel.linkInto(DATA_DIR);
    }

    @BeforeEach
    void loaded() throws IOException {
        api = new TestApi(port);
        golden = JSON.readTree(FIXTURE_LLAMA.resolve("conversation_golden.json").toFile());
        assertThat(golden.at("/messages/0/content").asText()).isEqualTo(SYSTEM_PROMPT);
        Reply load = api.post("/api/v1/models/fixtures%2Fllama/load", TestApi.USER_KEY, null);
        assertThat(load.status()).as(load.body()).isEqualTo(200);
    }

    @Test
    void aWholeConversationIsAnsweredAsTransformersContinuesIt() {
        Instant before = Instant.now().minusSeconds(1);
        Reply reply = post(request(conversation(true)).put("model", "fixtures/llama"));
        assertThat(reply.status()).as(reply.body()).isEqualTo(200);
        assertThat(reply.header("Content-Type")).startsWith("application/json");
        JsonNode completion = reply.json();
        assertThat(completion.get("id").asText()).matches("chatcmpl-[0-9a-f]{32}");
        assertThat(completion.get("object").asText()).isEqualTo("chat.completion");
        assertThat(completion.get("created").asLong()).isBetween(before.getEpochSecond(), Instant.now().getEpochSecond());
        assertThat(completion.get("model").asText()).isEqualTo("fixtures/llama");
        assertThat(completion.get("choices")).hasSize(1);
        JsonNode choice = completion.at("/choices/0");
        assertThat(choice.get("index").asInt()).isZero();
        assertThat(choice.at("/message/role").asText()).isEqualTo("assistant");
        assertThat(choice.at("/message/content").asText()).isEqualTo(golden.get("text_skip_special").asText());
        assertThat(choice.get("finish_reason").asText()).isEqualTo(golden.get("finish_reason").asText());
        int promptTokens = golden.at("/prompt/ids").size();
        int newTokens = golden.get("new_ids").size();
        assertThat(completion.at("/usage/prompt_tokens").asInt()).isEqualTo(promptTokens);
        assertThat(completion.at("/usage/completion_tokens").asInt()).isEqualTo(newTokens);
        assertThat(completion.at("/usage/total_tokens").asInt()).isEqualTo(promptTokens + newTokens);
    }

    /**
     * Without a system message the gateway's own comes first; it is the golden one, so the reply is the
     * same; content as a list of text parts is joined with a line break.
     */
    @Test
    void theGatewaysSystemPromptLeadsAConversationWithoutOneAndTextPartsAreJoined() {
        ObjectNode body = request(conversation(false));
        ArrayNode messages = (ArrayNode) body.get("messages");
        String[] lines = golden.at("/messages/3/content").asText().split("\n");
        ArrayNode parts = ((ObjectNode) messages.get(2)).putArray("content");
        parts.addObject().put("type", "text").put("text", lines[0]);
        parts.addObject().put("type", "text").put("text", lines[1]);
        Reply reply = post(body);
        assertThat(reply.status()).as(reply.body()).isEqualTo(200);
        assertThat(reply.json().at("/choices/0/message/content").asText()).isEqualTo(golden.get("text_skip_special").asText());
        assertThat(reply.json().at("/usage/prompt_tokens").asInt()).isEqualTo(golden.at("/prompt/ids").size());
    }

    /** OpenAI's stream: unnamed events of chat.completion.chunk, the role first, the usage last, then [DONE]. */
    @Test
    void aStreamedCompletionIsChunksAddingUpToTheReplyThenUsageThenDone() throws IOException, InterruptedException {
        ObjectNode body = request(conversation(true)).put("stream", true);
        body.putObject("stream_options").put("include_usage", true);
        // OpenAI's newer name for the system role.
        ((ObjectNode) body.get("messages").get(0)).put("role", "developer");
        HttpResponse<InputStream> response = api.http().send(bearer(COMPLETIONS)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body.toString())).build(), HttpResponse.BodyHandlers.ofInputStream());
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type").orElse("")).startsWith("text/event-stream");
        List<Event> events = EventStreamReader.readAll(response.body());

        assertThat(events).allSatisfy(e -> assertThat(e.name()).isEqualTo("message"));
        assertThat(events.get(events.size() - 1).data().asText()).isEqualTo(EventStreamReader.OPENAI_END);
        List<JsonNode> chunks = events.subList(0, events.size() - 1).stream().map(Event::data).toList();
        String id = chunks.get(0).get("id").asText();
        assertThat(id).startsWith("chatcmpl-");
        assertThat(chunks).allSatisfy(chunk -> {
            assertThat(chunk.get("id").asText()).isEqualTo(id);
            assertThat(chunk.get("object").asText()).isEqualTo("chat.completion.chunk");
            assertThat(chunk.get("model").asText()).isEqualTo("fixtures/llama");
        });
        assertThat(chunks.get(0).at("/choices/0/delta/role").asText()).isEqualTo("assistant");

        List<JsonNode> content = chunks.subList(0, chunks.size() - 2);
        StringBuilder text = new StringBuilder();
        content.forEach(chunk -> {
            assertThat(chunk.at("/choices/0/finish_reason").isNull()).isTrue();
            text.append(chunk.at("/choices/0/delta/content").asText());
        });
        assertThat(text.toString()).isEqualTo(golden.get("text_skip_special").asText());

        JsonNode finish = chunks.get(chunks.size() - 2);
        assertThat(finish.at("/choices/0/delta").isEmpty()).isTrue();
        assertThat(finish.at("/choices/0/finish_reason").asText()).isEqualTo(golden.get("finish_reason").asText());
        JsonNode usage = chunks.get(chunks.size() - 1);
        assertThat(usage.get("choices")).isEmpty();
        assertThat(usage.at("/usage/completion_tokens").asInt()).isEqualTo(golden.get("new_ids").size());
        assertThat(usage.at("/usage/prompt_tokens").asInt()).isEqualTo(golden.at("/prompt/ids").size());
        assertThat(content.get(0).has("usage")).as("usage only in the last chunk").isFalse();
    }

    @Test
    void theModelListHoldsTheLoadedModel() {
        Reply models = api.send(bearer("/api/v1/openai/models").GET());
        assertThat(models.status()).as(models.body()).isEqualTo(200);
        assertThat(models.json().get("object").asText()).isEqualTo("list");
        assertThat(models.json().get("data")).hasSize(1);
        JsonNode model = models.json().at("/data/0");
        assertThat(model.get("id").asText()).isEqualTo("fixtures/llama");
        assertThat(model.get("object").asText()).isEqualTo("model");
        assertThat(model.get("owned_by").asText()).isEqualTo("fixtures");
        assertThat(model.get("created").asLong()).isPositive();
    }

    /** What OpenAI's clients send for options they leave unset: nulls and neutral values. */
    @Test
    void nullsAndNeutralValuesOfUnsupportedFieldsPass() {
        ObjectNode body = request(conversation(true));
        body.putNull("stop").putNull("seed").putNull("user").put("n", 1).put("presence_penalty", 0)
                .put("frequency_penalty", 0).put("logprobs", false).put("max_completion_tokens", 12);
        ((ObjectNode) body.get("messages").get(0)).put("name", "farmer");
        Reply reply = post(body);
        assertThat(reply.status()).as(reply.body()).isEqualTo(200);
        assertThat(reply.json().at("/choices/0/message/content").asText()).isEqualTo(golden.get("text_skip_special").asText());
        body.putArray("stop");
        Reply emptyStop = post(body);
        assertThat(emptyStop.status()).as(emptyStop.body()).isEqualTo(200);

        // What clients send by default, and a reply's message echoed back with its nulls (model_dump()).
        ObjectNode defaults = request(conversation(true)).put("store", false).put("service_tier", "auto")
                .put("parallel_tool_calls", false).put("top_logprobs", 0).put("tool_choice", "none");
        defaults.putObject("metadata");
        defaults.putObject("logit_bias");
        defaults.putArray("tools");
        defaults.putObject("response_format").put("type", "text");
        defaults.putObject("stream_options").put("include_usage", false).put("include_obfuscation", false);
        defaults.putNull("tools").putNull("tool_choice").putNull("response_format").putNull("logit_bias");
        ((ObjectNode) defaults.get("messages").get(2)).putNull("refusal").putNull("tool_calls").putNull("annotations")
                .putNull("audio").putNull("function_call");
        Reply withDefaults = post(defaults);
        assertThat(withDefaults.status()).as(withDefaults.body()).isEqualTo(200);
        assertThat(withDefaults.json().at("/choices/0/message/content").asText()).isEqualTo(golden.get("text_skip_special").asText());
    }

    /**
     * Stop strings cut the greedy reply where OpenAI and vLLM cut it: before the first place one appears
     * (conversation_golden.py finds it in transformers' reply); usage counts every token generated. The
     * last run's stop string appears only in the character the detokenizer holds back to the end.
     */
    @Test
    void aStopStringEndsTheReplyBeforeItWholeAndStreamed() throws IOException, InterruptedException {
        for (JsonNode run : golden.get("stop_runs")) {
            ObjectNode body = request(conversation(true)).put("max_tokens", run.get("max_new_tokens").asInt());
            JsonNode stops = run.get("stop");
            if (stops.size() == 1) {
                body.put("stop", stops.get(0).asText());
            } else {
                body.set("stop", stops);
            }
            Reply whole = post(body);
            assertThat(whole.status()).as(whole.body()).isEqualTo(200);
            assertThat(whole.json().at("/choices/0/message/content").asText()).as(stops.toString())
                    .isEqualTo(run.get("text").asText());
            assertThat(whole.json().at("/choices/0/finish_reason").asText()).isEqualTo("stop");
            assertThat(whole.json().at("/usage/completion_tokens").asInt()).isEqualTo(run.get("new_tokens").asInt());

            HttpResponse<InputStream> response = api.http().send(bearer(COMPLETIONS)
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(body.put("stream", true).toString())).build(),
                    HttpResponse.BodyHandlers.ofInputStream());
            List<Event> events = EventStreamReader.readAll(response.body());
            StringBuilder streamed = new StringBuilder();
            events.subList(0, events.size() - 1).forEach(e -> streamed.append(e.data().at("/choices/0/delta/content").asText()));
            // Nothing of the stop string reached the client, not even its first characters.
            assertThat(streamed.toString()).as(stops.toString()).isEqualTo(run.get("text").asText());
            assertThat(events.get(events.size() - 2).data().at("/choices/0/finish_reason").asText()).isEqualTo("stop");
        }
    }

    /** max_tokens is a ceiling (above the gateway's it is the gateway's); OpenAI's 64-bit seeds are taken as llama.cpp does. */
    @Test
    void aLargeMaxTokensIsTheGatewaysAndAnySeedIsAccepted() {
        Reply large = post(request(conversation(true)).put("max_tokens", 100_000));
        assertThat(large.status()).as(large.body()).isEqualTo(200);
        // The model's 128 positions end the reply: finish_reason length, as llama.cpp's server says it.
        assertThat(large.json().at("/choices/0/finish_reason").asText()).isEqualTo("length");
        assertThat(large.json().at("/usage/total_tokens").asInt()).isEqualTo(128 + 1);

        ObjectNode sampled = request(conversation(true)).put("temperature", 1.0).put("seed", 0);
        String seedZero = post(sampled).json().at("/choices/0/message/content").asText();
        Reply wide = post(sampled.put("seed", 1L << 40));
        assertThat(wide.status()).as(wide.body()).isEqualTo(200);
        assertThat(wide.json().at("/choices/0/message/content").asText()).as("2^40 is 0 modulo 2^31").isEqualTo(seedZero);
        Reply none = post(sampled.put("seed", -1));
        assertThat(none.status()).as(none.body()).isEqualTo(200);
    }

    /**
     * A model without a chat template continues one text: one user message is its prompt (transformers'
     * greedy continuation of it, ../shared/models/PROVENANCE.md); a conversation would lose all but its
     * last message, so it is refused.
     */
    @Test
    void aModelWithoutAChatTemplateTakesOneUserMessage() {
        Reply load = api.post("/api/v1/models/karpathy%2Fstories260K/load", TestApi.USER_KEY, null);
        assertThat(load.status()).as(load.body()).isEqualTo(200);
        ObjectNode one = JSON.createObjectNode().put("temperature", 0).put("repetition_penalty", 1.0).put("max_tokens", 30);
        one.putArray("messages").addObject().put("role", "user").put("content", StoriesModel.PROMPT);
        Reply reply = post(one);
        assertThat(reply.status()).as(reply.body()).isEqualTo(200);
        assertThat(reply.json().at("/choices/0/message/content").asText()).isEqualTo(StoriesModel.GREEDY);

        ((ArrayNode) one.get("messages")).insertObject(0).put("role", "system").put("content", "Be brief.");
        assertRefused(one, 400, "messages");
        assertThat(post(one).json().get("message").asText()).contains("no chat template", "got 2 messages");
    }

    /**
     * A text completion continues the prompt as it is, no chat template, and reads on from it: its text is
     * transformers' greedy continuation decoded with the prompt, less the prompt's text (the space before
     * the first new word kept), tools/fixtures/completion_golden.py. Whole and streamed as text_completion
     * chunks, on the llama fixture (a chat template it must not use) and stories260K (a base model, its BOS
     * added; one prompt given as a list of one).
     */
    @Test
    void aTextCompletionContinuesThePromptAsTransformersDoes() throws IOException, InterruptedException {
        JsonNode runs = JSON.readTree(Path.of("src/test/resources/fixtures/completions/golden.json").toFile()).get("runs");
        assertThat(runs).hasSize(4);
        String loaded = "fixtures/llama";
        for (JsonNode run : runs) {
            String model = run.get("model").asText();
            if (!model.equals(loaded)) {
                Reply load = api.post("/api/v1/models/" + model.replace("/", "%2F") + "/load", TestApi.USER_KEY, null);
                assertThat(load.status()).as(load.body()).isEqualTo(200);
                loaded = model;
            }
            ObjectNode body = JSON.createObjectNode().put("model", model).put("temperature", 0)
                    .put("repetition_penalty", 1.0).put("max_tokens", run.get("new_tokens").asInt());
            if (model.startsWith("karpathy")) {
                body.putArray("prompt").add(run.get("prompt").asText());
            } else {
                body.put("prompt", run.get("prompt").asText());
            }
            String expected = run.get("text").asText();
            Reply whole = api.send(bearer("/api/v1/openai/completions").header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(body.toString())));
            assertThat(whole.status()).as(whole.body()).isEqualTo(200);
            JsonNode completion = whole.json();
            assertThat(completion.get("id").asText()).matches("cmpl-[0-9a-f]{32}");
            assertThat(completion.get("object").asText()).isEqualTo("text_completion");
            assertThat(completion.get("model").asText()).isEqualTo(model);
            assertThat(completion.at("/choices/0/text").asText()).as(run.toString()).isEqualTo(expected);
            assertThat(completion.at("/choices/0/index").asInt()).isZero();
            assertThat(completion.at("/choices/0/logprobs").isNull()).isTrue();
            assertThat(completion.at("/choices/0/finish_reason").asText()).isEqualTo("length");
            assertThat(completion.at("/usage/prompt_tokens").asInt()).isEqualTo(run.get("prompt_tokens").asInt());
            assertThat(completion.at("/usage/completion_tokens").asInt()).isEqualTo(run.get("new_tokens").asInt());

            body.put("stream", true).putObject("stream_options").put("include_usage", true);
            HttpResponse<InputStream> response = api.http().send(bearer("/api/v1/openai/completions")
                    .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body.toString()))
                    .build(), HttpResponse.BodyHandlers.ofInputStream());
            assertThat(response.statusCode()).isEqualTo(200);
            List<Event> events = EventStreamReader.readAll(response.body());
            assertThat(events.get(events.size() - 1).data().asText()).isEqualTo(EventStreamReader.OPENAI_END);
            List<JsonNode> chunks = events.subList(0, events.size() - 1).stream().map(Event::data).toList();
            assertThat(chunks).allSatisfy(chunk -> assertThat(chunk.get("object").asText()).isEqualTo("text_completion"));
            StringBuilder text = new StringBuilder();
            chunks.subList(0, chunks.size() - 2).forEach(chunk -> text.append(chunk.at("/choices/0/text").asText()));
            assertThat(text.toString()).as(run.toString()).isEqualTo(expected);
            assertThat(chunks.get(chunks.size() - 2).at("/choices/0/finish_reason").asText()).isEqualTo("length");
            assertThat(chunks.get(chunks.size() - 1).at("/usage/completion_tokens").asInt())
                    .isEqualTo(run.get("new_tokens").asInt());
        }
    }

    /** What text completions do not implement, and prompts they cannot take, name their field. */
    @Test
    void aTextCompletionRefusesWhatItCannotDo() {
        ObjectNode body = JSON.createObjectNode().put("prompt", "Once upon a time").put("max_tokens", 4);
        for (String[] wrong : new String[][] {{"echo", "true"}, {"suffix", "\"x\""}, {"best_of", "2"},
                {"logprobs", "1"}, {"prompt", "[]"}, {"prompt", "[\"a\", \"b\"]"}, {"prompt", "5"}}) {
            ObjectNode bad = body.deepCopy();
            bad.set(wrong[0], readJson(wrong[1]));
            Reply refused = api.send(bearer("/api/v1/openai/completions").header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(bad.toString())));
            assertThat(refused.status()).as(bad + " -> " + refused.body()).isEqualTo(400);
            assertThat(refused.json().at("/error/param").asText()).isEqualTo(wrong[0]);
        }
    }

    private static JsonNode readJson(String text) {
        try {
            return JSON.readTree(text);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void badRequestsNameTheField() {
        assertRefused(JSON.createObjectNode(), 400, "messages");
        assertRefused(request(JSON.createArrayNode()), 400, "messages");
        assertRefused(withFirstMessage(m -> m.put("role", "tool")), 400, "messages[0].role");
        assertRefused(withFirstMessage(m -> m.remove("content")), 400, "messages[0].content");
        assertRefused(withFirstMessage(m -> m.put("content", 5)), 400, "messages[0].content");
        assertRefused(withFirstMessage(m -> m.putArray("content").addObject().put("type", "image_url")),
                400, "messages[0].content[0].type");
        assertRefused(withFirstMessage(m -> m.put("content", "x".repeat(32769))), 400, "messages[0].content");
        assertRefused(request(conversation(true)).put("n", 2), 400, "n");
        ObjectNode fiveStops = request(conversation(true));
        fiveStops.putArray("stop").add("a").add("b").add("c").add("d").add("e");
        assertRefused(fiveStops, 400, "stop");
        ObjectNode emptyStop = request(conversation(true));
        emptyStop.putArray("stop").add("a").add("");
        assertRefused(emptyStop, 400, "stop[1]");
        assertRefused(request(conversation(true)).put("stop", 5), 400, "stop");
        ObjectNode beams = request(conversation(true)).put("stop", "on");
        Reply stored = api.put("/api/v1/models/fixtures%2Fllama/parameters", TestApi.USER_KEY,
                "{\"num_beams\": 2, \"do_sample\": false}");
        assertThat(stored.status()).as(stored.body()).isEqualTo(200);
        try {
            assertRefused(beams, 400, "stop");
        } finally {
            api.post("/api/v1/models/fixtures%2Fllama/parameters/reset", TestApi.USER_KEY, null);
        }
        assertRefused(request(conversation(true)).put("presence_penalty", 0.5), 400, "presence_penalty");
        assertRefused(request(conversation(true)).put("max_tokens", 0), 400, "max_tokens");
        assertRefused(request(conversation(true)).put("model", ""), 400, "model");
        ObjectNode tools = request(conversation(true));
        tools.putArray("tools").addObject().put("type", "function");
        assertRefused(tools, 400, "tools");
        ObjectNode json = request(conversation(true));
        json.putObject("response_format").put("type", "json_object");
        assertRefused(json, 400, "response_format");
        assertRefused(request(conversation(true)).put("tool_choice", "required"), 400, "tool_choice");
        assertRefused(request(conversation(true)).put("top_logprobs", 2), 400, "top_logprobs");
        ObjectNode zero = request(conversation(true));
        zero.remove("max_tokens");
        assertRefused(zero.put("max_completion_tokens", 0), 400, "max_completion_tokens");
        assertRefused(request(conversation(true)).put("max_completion_tokens", 11), 400, "max_completion_tokens");
        assertRefused(request(conversation(true)).put("temperature", 2.5), 400, "temperature");
        assertRefused(request(conversation(true)).put("model", "../fixtures/llama"), 400, "model");
        assertRefused(request(conversation(true)).put("tools", "[]"), 400, "tools");
        Reply other = post(request(conversation(true)).put("model", "fixtures/other"));
        assertThat(other.status()).as(other.body()).isEqualTo(409);
        assertThat(other.json().get("message").asText()).isEqualTo("model fixtures/other is not loaded (loaded: fixtures/llama)");
        // OpenAI's error object beside the gateway's fields, and no retry by OpenAI's clients (they retry 409).
        assertThat(other.json().at("/error/message").asText()).isEqualTo(other.json().get("message").asText());
        assertThat(other.json().at("/error/type").asText()).isEqualTo("invalid_request_error");
        assertThat(other.json().at("/error/code").asInt()).isEqualTo(409);
        assertThat(other.header("x-should-retry")).isEqualTo("false");
        // A client's default model name is a model id too (as gpt2 is on the Hub): not the loaded one.
        Reply openAiDefault = post(request(conversation(true)).put("model", "gpt-4o"));
        assertThat(openAiDefault.status()).as(openAiDefault.body()).isEqualTo(409);
    }

    @Test
    void aRequestWithoutAKeyIsRefused() {
        Reply reply = api.send(HttpRequest.newBuilder(URI.create(api.base() + COMPLETIONS)).timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(request(conversation(true)).toString())));
        assertThat(reply.status()).isEqualTo(401);
    }

    // ---- helpers ----

    /** The golden conversation, with or without its system message. */
    private ArrayNode conversation(boolean withSystem) {
        ArrayNode messages = JSON.createArrayNode();
        golden.get("messages").forEach(m -> {
            if (withSystem || !m.get("role").asText().equals("system")) {
                messages.add(m.deepCopy());
            }
        });
        return messages;
    }

    /** Greedy over the conversation as the golden ran it: temperature 0, no repetition penalty, its token budget. */
    private ObjectNode request(ArrayNode messages) {
        ObjectNode body = JSON.createObjectNode();
        body.set("messages", messages);
        return body.put("temperature", 0).put("repetition_penalty", 1.0)
                .put("max_tokens", golden.at("/kwargs/max_new_tokens").asInt());
    }

    private ObjectNode withFirstMessage(Consumer<ObjectNode> change) {
        ObjectNode body = request(conversation(true));
        change.accept((ObjectNode) body.get("messages").get(0));
        return body;
    }

    private void assertRefused(ObjectNode body, int status, String field) {
        Reply reply = post(body);
        assertThat(reply.status()).as(body + " -> " + reply.body()).isEqualTo(status);
        assertThat(reply.json().get("status").asText()).isEqualTo("error");
        assertThat(reply.json().at("/details/0/field").asText()).as(reply.body()).isEqualTo(field);
        assertThat(reply.json().at("/error/param").asText()).as(reply.body()).isEqualTo(field);
        assertThat(reply.header("x-should-retry")).isEqualTo("false");
    }

    private Reply post(ObjectNode body) {
        return api.send(bearer(COMPLETIONS).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body.toString())));
    }

    /** A request as OpenAI's clients send it: the key as a bearer token. */
    private HttpRequest.Builder bearer(String path) {
        return HttpRequest.newBuilder(URI.create(api.base() + path)).timeout(Duration.ofSeconds(90))
                .header("Authorization", "Bearer " + TestApi.USER_KEY);
    }
}
