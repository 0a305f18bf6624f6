package com.cryptomaltese.gateway.engine.onnx;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import com.cryptomaltese.gateway.engine.ChatMessage;
import com.cryptomaltese.gateway.engine.GenerationParams;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * The ONNX exports of the fixture models (tools/fixtures/export_onnx.py) and the golden values of
 * their originals, which transformers computed (tools/fixtures/make_models.py).
 */
final class OnnxFixtures {

    static final Path ONNX = Path.of("src/test/resources/fixtures/onnx").toAbsolutePath();
    static final Path MODELS = Path.of("src/test/resources/fixtures/models").toAbsolutePath();

    /** Export folder -> the fixture model it was exported from, whose golden values it must reproduce. */
    static final Map<String, String> ORIGINAL = Map.of("gpt2", "gpt2", "llama", "llama", "gpt2-no-positions", "gpt2");

    private OnnxFixtures() {
    }

    static JsonNode golden(String name) {
        try {
            return new ObjectMapper().readTree(MODELS.resolve(name).resolve("golden.json").toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Every GenerationParams of these tests is made here. */
    static GenerationParams params(double temperature, int topK, double topP, int maxNew, double repetitionPenalty,
                                   boolean doSample, int beams, double lengthPenalty, boolean earlyStopping,
                                   Long seed) {
        return new GenerationParams(temperature, topK, topP, maxNew, repetitionPenalty, doSample, beams, lengthPenalty,
                earlyStopping, seed);
    }

    /** A golden run's generate() kwargs; what they leave out keeps transformers' default. */
    static GenerationParams params(JsonNode kwargs) {
        return params(1.0, 0, 1.0, kwargs.get("max_new_tokens").asInt(), kwargs.path("repetition_penalty").asDouble(1.0),
                false, kwargs.path("num_beams").asInt(1), kwargs.path("length_penalty").asDouble(1.0),
                kwargs.path("early_stopping").asBoolean(false), null);
    }

    static int[] ints(JsonNode array) {
        int[] out = new int[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = array.get(i).asInt();
        }
        return out;
    }

    static int[] prompt(JsonNode golden, JsonNode run) {
        return ints(golden.at("/prompts/" + run.get("prompt").asText() + "/ids"));
    }

    static Set<Integer> eos(JsonNode run) {
        Set<Integer> eos = new HashSet<>();
        JsonNode node = run.at("/kwargs/eos_token_id");
        if (node.isInt()) {
            eos.add(node.asInt());
        }
        node.forEach(id -> eos.add(id.asInt()));
        return eos;
    }

    static List<ChatMessage> chat(JsonNode golden) {
        JsonNode message = golden.at("/prompts/chat/messages/0");
        return List.of(new ChatMessage(message.get("role").asText(), message.get("content").asText()));
    }
}
