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
import com.fasterxml.jackson.databind.JsonNode;

/** The supported architectures, by {@code config.json}'s {@code model_type}. */
public final class Architectures {

    @FunctionalInterface
    private interface Loader {
        DecoderModel load(Path modelDir, WeightLoader weights, NDManager manager) throws IOException;
    }

    @FunctionalInterface
    private interface Checker {
        void check(Path modelDir, WeightLoader weights) throws IOException;
    }

    private record Architecture(Checker checker, Loader loader) {
    }

    private static final Architecture GPT2 = new Architecture(
            (dir, w) -> Gpt2Model.check(Gpt2Config.read(dir), w),
            (dir, w, m) -> Gpt2Model.load(Gpt2Config.read(dir), w, m));
    private static final Architecture LLAMA = new Architecture(
            (dir, w) -> LlamaModel.check(LlamaConfig.read(dir), w),
            (dir, w, m) -> LlamaModel.load(LlamaConfig.read(dir), w, m));
    private static final Map<String, Architecture> BY_MODEL_TYPE = new TreeMap<>(Map.of(
            "gpt2", GPT2, "llama", LLAMA, "qwen2", LLAMA, "mistral", LLAMA));

    private Architectures() {
    }

    public static String modelType(Path modelDir) throws IOException {
        JsonNode config = ConfigJson.read(modelDir);
        if (!config.isObject()) {
            throw new IOException("config.json is not a JSON object");
        }
        if (!config.path("model_type").isTextual()) {
            throw new IOException("config.json has no model_type (supported: " + String.join(", ", BY_MODEL_TYPE.keySet())
                    + ")");
        }
        return config.path("model_type").asText();
    }

    /**
     * Refuses a folder whose architecture is not supported, whose config.json does not read, or
     * whose weights lack a tensor the load would read or hold one in another shape; reads no tensor.
     */
    public static void check(Path modelDir, WeightLoader weights) throws IOException {
        of(modelDir).checker().check(modelDir, weights);
    }

    /** Loads the model in {@code modelDir}, or refuses its architecture naming the supported ones. */
    public static DecoderModel load(Path modelDir, WeightLoader weights, NDManager manager) throws IOException {
        return of(modelDir).loader().load(modelDir, weights, manager);
    }

    private static Architecture of(Path modelDir) throws IOException {
        String type = modelType(modelDir);
        Architecture architecture = BY_MODEL_TYPE.get(type);
        if (architecture == null) {
            throw new IOException("model_type '" + type + "' is not supported (supported: "
                    + String.join(", ", BY_MODEL_TYPE.keySet()) + ")");
        }
        return architecture;
    }
}
