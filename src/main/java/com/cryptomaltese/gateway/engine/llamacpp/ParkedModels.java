package com.cryptomaltese.gateway.engine.llamacpp;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

import de.kherud.llama.LlamaModel;

/**
 * Native llama.cpp models kept after unload. de.kherud:llama 4.2.0 cannot free a model: its
 * {@code close()} stops the task loop but never deletes the native context (weights mapping, KV
 * cache, compute buffers), so every load after an unload would add a whole model to the process.
 * An unloaded model is parked here instead, still running, and handed back when the same file is
 * loaded again with the same settings: the process holds at most one native model per distinct
 * GGUF file, however often models are switched. Per process, as native memory is.
 */
final class ParkedModels {

    /** A file as it was when loaded (size and modification time catch a replaced file) and its settings. */
    record Key(Path file, long size, long modified, int context, int threads) {

        static Key of(Path file, int context, int threads) throws IOException {
            Path real = file.toRealPath();
            return new Key(real, Files.size(real), Files.getLastModifiedTime(real).toMillis(), context, threads);
        }
    }

    private static final Map<Key, LlamaModel> PARKED = new HashMap<>();

    private ParkedModels() {
    }

    /** A parked model for {@code key}, taken out of the pool; null if there is none. */
    static synchronized LlamaModel take(Key key) {
        return PARKED.remove(key);
    }

    /** Keeps {@code model} for a later load; a second model of the same key is stopped (and leaks). */
    static synchronized void park(Key key, LlamaModel model) {
        LlamaModel before = PARKED.putIfAbsent(key, model);
        if (before != null) {
            model.close();
        }
    }
}
