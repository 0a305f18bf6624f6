package com.cryptomaltese.gateway.engine.arch.gpt2;

import java.io.IOException;
import java.nio.file.Path;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/** The parts of a GPT-2 {@code config.json} the forward pass needs. */
public record Gpt2Config(int hiddenSize, int numLayers, int numHeads, int vocabSize, int maxPositions,
                         double layerNormEps, int innerSize) {

    public static Gpt2Config read(Path modelDir) throws IOException {
        JsonNode c = new ObjectMapper().readTree(modelDir.resolve("config.json").toFile());
        String activation = c.path("activation_function").asText("gelu_new");
        if (!activation.equals("gelu_new")) {
            throw new IOException("config.json: activation_function '" + activation + "' is not supported (supported: gelu_new)");
        }
        int hidden = c.path("n_embd").asInt(768);
        return new Gpt2Config(hidden, c.path("n_layer").asInt(12), c.path("n_head").asInt(12),
                c.path("vocab_size").asInt(50257), c.path("n_positions").asInt(1024),
                c.path("layer_norm_epsilon").asDouble(1e-5),
                c.path("n_inner").isInt() ? c.path("n_inner").asInt() : 4 * hidden);
    }

    public int headDim() {
        return hiddenSize / numHeads;
    }
}
