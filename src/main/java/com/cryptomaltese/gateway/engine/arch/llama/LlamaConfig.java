package com.cryptomaltese.gateway.engine.arch.llama;

import java.io.IOException;
import java.nio.file.Path;

import com.cryptomaltese.gateway.engine.arch.ConfigJson;
import com.fasterxml.jackson.databind.JsonNode;

/**
 * The parts of a Hugging Face {@code config.json} that the Llama family needs. Covers llama
 * (SmolLM, TinyLlama, Llama 3.x), qwen2 (q/k/v biases) and mistral (sliding window).
 */
public record LlamaConfig(
        String modelType,
        int hiddenSize,
        int intermediateSize,
        int numLayers,
        int numHeads,
        int numKvHeads,
        int headDim,
        int vocabSize,
        int maxPositions,
        double rmsNormEps,
        double ropeTheta,
        RopeScaling ropeScaling,
        boolean tieWordEmbeddings,
        boolean attentionBias,
        int slidingWindow) {

    /** {@code rope_scaling} of type {@code llama3}; null when the model has none. */
    public record RopeScaling(double factor, double lowFreqFactor, double highFreqFactor, int originalMaxPositions) {
    }

    public static LlamaConfig read(Path modelDir) throws IOException {
        JsonNode c = ConfigJson.read(modelDir);
        String type = c.path("model_type").asText();
        int hidden = ConfigJson.positive(c, "hidden_size");
        int heads = ConfigJson.positive(c, "num_attention_heads");
        RopeScaling scaling = null;
        // transformers 5 writes rope_parameters (theta and scaling together); older configs
        // rope_theta and rope_scaling.
        JsonNode rp = c.path("rope_parameters");
        JsonNode rs = rp.isObject() ? rp : c.path("rope_scaling");
        double theta = rp.path("rope_theta").asDouble(c.path("rope_theta").asDouble(10000.0));
        if (rs.isObject()) {
            String kind = rs.path("rope_type").asText(rs.path("type").asText(""));
            if (!kind.equals("llama3") && !kind.equals("default") && !kind.isEmpty()) {
                throw new IOException("config.json: rope_scaling type '" + kind + "' is not supported (supported: llama3)");
            }
            if (kind.equals("llama3")) {
                scaling = new RopeScaling(rs.path("factor").asDouble(), rs.path("low_freq_factor").asDouble(),
                        rs.path("high_freq_factor").asDouble(), rs.path("original_max_position_embeddings").asInt());
            }
        }
        boolean bias = c.path("attention_bias").asBoolean(type.equals("qwen2"));
        int window = c.path("sliding_window").isInt() && useSlidingWindow(c, type) ? c.path("sliding_window").asInt() : 0;
        return new LlamaConfig(type, hidden, ConfigJson.positive(c, "intermediate_size"),
                ConfigJson.positive(c, "num_hidden_layers"), heads, ConfigJson.positive(c, "num_key_value_heads", heads),
                ConfigJson.positive(c, "head_dim", hidden / heads), ConfigJson.positive(c, "vocab_size"),
                ConfigJson.positive(c, "max_position_embeddings", 2048),
                c.path("rms_norm_eps").asDouble(1e-6), theta, scaling,
                c.path("tie_word_embeddings").asBoolean(false), bias, window);
    }

    /** Qwen2 declares a window but applies it only with use_sliding_window; Mistral always does. */
    private static boolean useSlidingWindow(JsonNode c, String type) {
        return type.equals("mistral") || c.path("use_sliding_window").asBoolean(false);
    }
}
