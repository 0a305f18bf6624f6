package com.cryptomaltese.gateway.engine.exported;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import com.cryptomaltese.gateway.engine.arch.ConfigJson;
import com.fasterxml.jackson.databind.JsonNode;

/**
 * What the decode loop must know that an exported model (ONNX graph, TorchScript program) does not
 * say: the shape of an empty KV cache for the first step, the context length and the vocabulary.
 * Read from {@code config.json}, which exports keep beside the model, in either the GPT-2
 * ({@code n_head}, {@code n_embd}, {@code n_positions}) or the Llama spelling
 * ({@code num_key_value_heads}, {@code head_dim}, {@code max_position_embeddings}).
 *
 * @param kvHeads      key/value heads per layer (the cache's dimension 1)
 * @param headDim      size of one head (the cache's dimension 3)
 * @param maxPositions longest sequence the model accepts
 * @param vocabSize    rows of the logits (token ids a request may name)
 */
public record ExportedConfig(int kvHeads, int headDim, int maxPositions, int vocabSize) {

    public static ExportedConfig read(Path dir) throws IOException {
        Path file = dir.resolve("config.json");
        if (!Files.isRegularFile(file)) {
            throw new IOException("config.json is missing: it gives the KV cache's shape (attention heads, head size)"
                    + " and the context length of the exported model");
        }
        JsonNode json = ConfigJson.readJson(file);
        int heads = positive(json, "num_attention_heads", "n_head");
        int kvHeads = json.has("num_key_value_heads") ? positive(json, "num_key_value_heads") : heads;
        int headDim = json.has("head_dim") && !json.get("head_dim").isNull()
                ? positive(json, "head_dim")
                : positive(json, "hidden_size", "n_embd") / heads;
        int maxPositions = positive(json, "max_position_embeddings", "n_positions", "n_ctx");
        int vocabSize = positive(json, "vocab_size");
        return new ExportedConfig(kvHeads, headDim, maxPositions, vocabSize);
    }

    /** The first of {@code names} present; a positive integer, or a load error naming the field. */
    private static int positive(JsonNode json, String... names) throws IOException {
        for (String name : names) {
            JsonNode value = json.get(name);
            if (value != null && !value.isNull()) {
                if (!value.canConvertToInt() || !value.isIntegralNumber() || value.asInt() <= 0) {
                    throw new IOException("config.json: " + name + " must be a positive integer, got " + value);
                }
                return value.asInt();
            }
        }
        throw new IOException("config.json has no " + String.join(" or ", names));
    }
}
