package com.cryptomaltese.gateway.chat;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import com.cryptomaltese.gateway.ApiTestBase;
import com.cryptomaltese.gateway.TestApi;
import com.cryptomaltese.gateway.TestData;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

/**
 * A model whose weights hold NaN loads (nothing in its files is malformed) and computes NaN scores:
 * a sampled chat answers 500 naming the model and the reason, not "internal error".
 */
class BrokenWeightsChatTest extends ApiTestBase {

    @Test
    void nanScoresAre500NamingTheModelAndTheReason() throws Exception {
        Path files = Files.createDirectories(DATA_DIR.resolve("nan-weights"));
        for (String name : List.of("config.json", "tokenizer.json", "tokenizer_config.json", "generation_config.json")) {
            Files.copy(TestData.STORIES.resolve(name), files.resolve(name));
        }
        byte[] weights = Files.readAllBytes(TestData.STORIES.resolve("model.safetensors"));
        ByteBuffer buffer = ByteBuffer.wrap(weights).order(ByteOrder.LITTLE_ENDIAN);
        int headerLength = (int) buffer.getLong(0);
        JsonNode norm = new ObjectMapper().readTree(new String(weights, 8, headerLength, StandardCharsets.UTF_8))
                .path("model.norm.weight").path("data_offsets");
        for (long at = norm.get(0).asLong(); at < norm.get(1).asLong(); at += 4) {
            buffer.putFloat((int) (8 + headerLength + at), Float.NaN);
        }
        Files.write(files.resolve("model.safetensors"), weights);
        TestData.linkHubModel(DATA_DIR, files, "broken", "nan-weights");

        assertThat(api.post("/api/v1/models/broken%2Fnan-weights/load", TestApi.USER_KEY, null).status()).isEqualTo(200);
        try {
            TestApi.Reply reply = api.post("/api/v1/chat", TestApi.USER_KEY,
                    "{\"message\": \"Once upon a time\", \"parameters\": {\"do_sample\": true, \"max_length\": 4}}");
            assertError(reply, 500, "model broken/nan-weights computed scores that cannot be used: the model's scores "
                    + "contain NaN");
            assertThat(reply.json().get("message").asText()).endsWith("its weights or configuration are broken");
        } finally {
            // The context is shared with other API tests: they find no model loaded and none of this one's.
            api.post("/api/v1/models/broken%2Fnan-weights/unload", TestApi.USER_KEY, null);
            api.send(api.request("/api/v1/models/broken%2Fnan-weights", TestApi.USER_KEY).DELETE());
        }
        assertThat(api.get("/api/v1/models/broken%2Fnan-weights", TestApi.USER_KEY).status()).isEqualTo(404);
    }
}
