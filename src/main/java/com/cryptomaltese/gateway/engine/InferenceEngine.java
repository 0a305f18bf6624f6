package com.cryptomaltese.gateway.engine;

import java.io.IOException;
import java.nio.file.Path;

/**
 * Something that can turn a model folder into a {@link LanguageModel}: the DJL engine for
 * safetensors, llama.cpp for GGUF, and so on. Engines are Spring beans; the model service asks
 * each in turn whether it can run a folder.
 */
public interface InferenceEngine {

    /** Short name shown to operators, e.g. {@code djl-pytorch}. */
    String name();

    /** Whether this engine can run the model in {@code modelDir} (a Hub snapshot folder). */
    boolean supports(Path modelDir);

    /**
     * Reads what can be read cheaply (configuration, headers) and refuses a folder that cannot
     * load, before the model in memory is given up for it. Nothing is kept.
     */
    default void check(Path modelDir) throws IOException {
    }

    /** Loads the model; the caller owns the result and must close it. */
    LanguageModel load(Path modelDir) throws IOException;
}
