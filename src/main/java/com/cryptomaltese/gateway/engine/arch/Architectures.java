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
    private interface ConfigReader {
        void read(Path modelDir) throws IOException;
    }

    private record Architecture(ConfigReader config, Loader loader) {
    }

    private static final Architecture GPT2 = new Architecture(Gpt2Config::read,
            (dir, w, m) -> Gpt2Model.load(Gpt2Config.read(dir), w, m));
    private static final Architecture LLAMA = new Architecture(LlamaConfig::read,
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

    /** Refuses a folder whose architecture is not supported or whose config.json does not read. */
    public static void check(Path modelDir) throws IOException {
        of(modelDir).config().read(modelDir);
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
