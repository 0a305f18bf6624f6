package com.cryptomaltese.gateway.engine.arch;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;

import ai.djl.ndarray.NDManager;
import com.cryptomaltese.gateway.engine.arch.gpt2.Gpt2Config;
import com.cryptomaltese.gateway.engine.arch.gpt2.Gpt2Model;
import com.cryptomaltese.gateway.engine.arch.llama.LlamaConfig;
import com.cryptomaltese.gateway.engine.arch.llama.LlamaModel;
import com.cryptomaltese.gateway.engine.weights.WeightLoader;

/** The supported architectures, by {@code config.json}'s {@code model_type}. */
public final class Architectures {

    @FunctionalInterface
    private interface Loader {
        DecoderModel load(Path modelDir, WeightLoader weights, NDManager manager) throws IOException;
    }

    private static final Map<String, Loader> BY_MODEL_TYPE = new TreeMap<>(Map.of(
            "gpt2", (dir, w, m) -> Gpt2Model.load(Gpt2Config.read(dir), w, m),
            "llama", (dir, w, m) -> LlamaModel.load(LlamaConfig.read(dir), w, m),
            "qwen2", (dir, w, m) -> LlamaModel.load(LlamaConfig.read(dir), w, m),
            "mistral", (dir, w, m) -> LlamaModel.load(LlamaConfig.read(dir), w, m)));

    private Architectures() {
    }

    public static String modelType(Path modelDir) throws IOException {
        return ConfigJson.read(modelDir).path("model_type").asText();
    }

    /** Loads the model in {@code modelDir}, or refuses its architecture naming the supported ones. */
    public static DecoderModel load(Path modelDir, WeightLoader weights, NDManager manager) throws IOException {
        String type = modelType(modelDir);
        Loader loader = BY_MODEL_TYPE.get(type);
        if (loader == null) {
            throw new IOException("model_type '" + type + "' is not supported (supported: "
                    + String.join(", ", BY_MODEL_TYPE.keySet()) + ")");
        }
        return loader.load(modelDir, weights, manager);
    }
}
