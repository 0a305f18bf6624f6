package com.cryptomaltese.gateway.engine.arch.gpt2;

import java.io.IOException;
import java.nio.file.Path;

import com.cryptomaltese.gateway.engine.arch.ConfigJson;
import com.fasterxml.jackson.databind.JsonNode;

/** The parts of a GPT-2 {@code config.json} the forward pass needs. */
public record Gpt2Config(int hiddenSize, int numLayers, int numHeads, int vocabSize, int maxPositions,
                         double layerNormEps, int innerSize) {

    public static Gpt2Config read(Path modelDir) throws IOException {
        JsonNode c = ConfigJson.read(modelDir);
        String activation = c.path("activation_function").asText("gelu_new");
        if (!activation.equals("gelu_new")) {
            throw new IOException("config.json: activation_function '" + activation + "' is not supported (supported: gelu_new)");
        }
        int hidden = ConfigJson.positive(c, "n_embd", 768);
        return new Gpt2Config(hidden, ConfigJson.positive(c, "n_layer", 12), ConfigJson.positive(c, "n_head", 12),
                ConfigJson.positive(c, "vocab_size", 50257), ConfigJson.positive(c, "n_positions", 1024),
                c.path("layer_norm_epsilon").asDouble(1e-5), ConfigJson.positive(c, "n_inner", 4 * hidden));
    }

    public int headDim() {
        return hiddenSize / numHeads;
    }
}
