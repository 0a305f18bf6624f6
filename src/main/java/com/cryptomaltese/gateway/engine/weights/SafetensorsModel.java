package com.cryptomaltese.gateway.engine.weights;

import java.io.IOException;
import java.nio.file.Path;

/**
 * The safetensors weights of a Hugging Face model folder: either one {@code model.safetensors} or
 * shards listed by {@code model.safetensors.index.json}. Shard names must stay inside the folder.
 */
public final class SafetensorsModel extends ShardedWeights<SafetensorsFile> {

    static final String SINGLE_FILE = "model.safetensors";
    static final String INDEX_FILE = "model.safetensors.index.json";

    private SafetensorsModel(Parts<SafetensorsFile> parts) {
        super(parts);
    }

    /** Opens {@code model.safetensors} if present (as transformers does), else the sharded index. */
    public static SafetensorsModel open(Path folder) throws IOException {
        return new SafetensorsModel(open(folder, SINGLE_FILE, INDEX_FILE, SafetensorsFile::open, SafetensorsException::new));
    }
}
