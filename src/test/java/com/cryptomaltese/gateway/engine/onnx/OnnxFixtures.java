package com.cryptomaltese.gateway.engine.onnx;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import com.cryptomaltese.gateway.engine.ChatMessage;
import com.fasterxml.jackson.databind.JsonNode;

/**
 * The ONNX exports of the fixture models (tools/fixtures/export_onnx.py); the golden values of
 * their originals are read with {@link com.cryptomaltese.gateway.engine.exported.Goldens}.
 */
final class OnnxFixtures {

    static final Path ONNX = Path.of("src/test/resources/fixtures/onnx").toAbsolutePath();

    /** Export folder -> the fixture model it was exported from, whose golden values it must reproduce. */
    static final Map<String, String> ORIGINAL = Map.of("gpt2", "gpt2", "llama", "llama", "gpt2-no-positions", "gpt2");

    private OnnxFixtures() {
    }

    static List<ChatMessage> chat(JsonNode golden) {
        JsonNode message = golden.at("/prompts/chat/messages/0");
        return List.of(new ChatMessage(message.get("role").asText(), message.get("content").asText()));
    }
}
