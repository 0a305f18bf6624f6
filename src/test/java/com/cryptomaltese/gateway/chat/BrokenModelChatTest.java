package com.cryptomaltese.gateway.chat;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;

import com.cryptomaltese.gateway.ApiTestBase;
import com.cryptomaltese.gateway.TestApi;
import com.cryptomaltese.gateway.TestData;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

/**
 * Models whose files are well-formed but broken or not fitting together load, and fail only at a chat: the
 * chat answers 500 naming the model and the reason, not "internal error", and the model stays
 * loaded for the next chat.
 */
class BrokenModelChatTest extends ApiTestBase {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void nanScoresAre500NamingTheModelAndTheReason() throws Exception {
        Path files = storiesCopy("nan-weights");
        byte[] weights = Files.readAllBytes(TestData.STORIES.resolve("model.safetensors"));
        ByteBuffer buffer = ByteBuffer.wrap(weights).order(ByteOrder.LITTLE_ENDIAN);
        int headerLength = (int) buffer.getLong(0);
        JsonNode norm = JSON.readTree(new String(weights, 8, headerLength, StandardCharsets.UTF_8))
                .path("model.norm.weight").path("data_offsets");
        for (long at = norm.get(0).asLong(); at < norm.get(1).asLong(); at += 4) {
            buffer.putFloat((int) (8 + headerLength + at), Float.NaN);
        }
        Files.write(files.resolve("model.safetensors"), weights);

        withLoaded(files, "nan-weights", () -> {
            // sampling; greedy with a repetition penalty (in Java) and without (argmax in the engine, where
            // NaN counts as the largest); beam search
            for (String parameters : List.of("\"do_sample\": true", "\"do_sample\": false",
                    "\"do_sample\": false, \"repetition_penalty\": 1.0", "\"num_beams\": 2")) {
                TestApi.Reply reply = api.post("/api/v1/chat", TestApi.USER_KEY,
                        "{\"message\": \"Once upon a time\", \"parameters\": {" + parameters + ", \"max_length\": 4}}");
                assertError(reply, 500, "model broken/nan-weights cannot answer: it computed scores that contain NaN");
                assertThat(reply.json().get("message").asText()).as(parameters)
                        .endsWith("its weights or configuration are broken");
            }
        });
    }

    /** stories260K has 512 token rows (0-511); a token added to tokenizer.json only gets id 512, as after tokenizer.add_tokens without resizing the embeddings. */
    @Test
    void anAddedTokenBeyondTheWeightsIs500NamingTheTokenAndTheModel() throws Exception {
        Path files = storiesEditing("extra-token", "tokenizer.json", tokenizer -> tokenizer.withArray("added_tokens")
                .addObject().put("id", 512).put("content", "<|tool|>").put("single_word", false).put("lstrip", false)
                .put("rstrip", false).put("normalized", false).put("special", true));

        withLoaded(files, "extra-token", () -> {
            TestApi.Reply reply = api.post("/api/v1/chat", TestApi.USER_KEY,
                    "{\"message\": \"Once upon a <|tool|> time\", \"parameters\": {\"max_length\": 4}}");
            assertError(reply, 500, "model broken/extra-token cannot answer: its tokenizer gives the prompt token "
                    + "512 (<|tool|>), but its weights have 512 token rows; its tokenizer and weights do not match");

            assertOrdinaryPromptsAnswered("extra-token");
        });
    }

    /** A chat template that renders some conversations as nothing: those chats are a 500 naming the model, the others answered. */
    @Test
    void aConversationTheTemplateRendersAsNothingIs500NamingTheModel() throws Exception {
        Path files = storiesEditing("silent-template", "tokenizer_config.json", config -> config.put("chat_template",
                "{% for m in messages %}{% if m.content != 'Say nothing' %}{{ m.content }}{% endif %}{% endfor %}"));

        withLoaded(files, "silent-template", () -> {
            TestApi.Reply reply = api.post("/api/v1/chat", TestApi.USER_KEY,
                    "{\"message\": \"Say nothing\", \"parameters\": {\"max_length\": 4}}");
            assertError(reply, 500, "model broken/silent-template cannot answer: its chat template and tokenizer make "
                    + "this conversation an empty prompt, and nothing can be generated from no tokens");
            assertOrdinaryPromptsAnswered("silent-template");
        });
    }

    /** Prompts the model's fault does not touch are answered: the model is still loaded and usable. */
    private void assertOrdinaryPromptsAnswered(String name) {
        TestApi.Reply ordinary = api.post("/api/v1/chat", TestApi.USER_KEY,
                "{\"message\": \"Once upon a time\", \"parameters\": {\"max_length\": 4}}");
        assertThat(ordinary.status()).as(ordinary.body()).isEqualTo(200);
        assertThat(ordinary.json().get("model_id").asText()).isEqualTo("broken/" + name);
    }

    /** The whole stories260K folder, weights included, with one of its JSON files changed by {@code edit}. */
    private static Path storiesEditing(String name, String jsonFile, Consumer<ObjectNode> edit) throws Exception {
        Path files = storiesCopy(name);
        Files.copy(TestData.STORIES.resolve("model.safetensors"), files.resolve("model.safetensors"));
        ObjectNode json = (ObjectNode) JSON.readTree(files.resolve(jsonFile).toFile());
        edit.accept(json);
        JSON.writeValue(files.resolve(jsonFile).toFile(), json);
        return files;
    }

    /** The stories260K folder without its weights, to be completed by the test. */
    private static Path storiesCopy(String name) throws Exception {
        Path files = Files.createDirectories(DATA_DIR.resolve(name));
        for (String file : List.of("config.json", "tokenizer.json", "tokenizer_config.json", "generation_config.json")) {
            Files.copy(TestData.STORIES.resolve(file), files.resolve(file));
        }
        return files;
    }

    private interface Scene {
        void run() throws Exception;
    }

    private void withLoaded(Path files, String name, Scene scene) throws Exception {
        TestData.linkHubModel(DATA_DIR, files, "broken", name);
        String path = "/api/v1/models/broken%2F" + name;
        assertThat(api.post(path + "/load", TestApi.USER_KEY, null).status()).isEqualTo(200);
        try {
            scene.run();
        } finally {
            // The context is shared with other API tests: they find no model loaded and none of this one's.
            api.post(path + "/unload", TestApi.USER_KEY, null);
            api.send(api.request(path, TestApi.USER_KEY).DELETE());
        }
        assertThat(api.get(path, TestApi.USER_KEY).status()).isEqualTo(404);
    }
}
