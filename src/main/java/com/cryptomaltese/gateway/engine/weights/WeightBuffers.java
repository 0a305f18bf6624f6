package com.cryptomaltese.gateway.engine.weights;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The direct buffers a model's weights live in, freed when the model closes. The engine's tensors
 * wrap these buffers without a copy, so closing the tensors frees nothing: a direct buffer's memory
 * goes back only when the garbage collector finds it, and a heap that sees little garbage may not
 * collect for a long time, so every unload and load would add the model's size to the process.
 * Freeing them here, once no tensor uses them, gives the memory back at the unload.
 * <p>
 * Wraps a {@link WeightLoader}: every buffer it hands out is recorded.
 */
public final class WeightBuffers implements WeightLoader {

    private final WeightLoader loader;
    private final List<ByteBuffer> buffers = new ArrayList<>();

    public WeightBuffers(WeightLoader loader) {
        this.loader = loader;
    }

    @Override
    public Map<String, TensorInfo> tensors() {
        return loader.tensors();
    }

    @Override
    public float[] load(String name) throws IOException {
        return loader.load(name);
    }

    @Override
    public synchronized ByteBuffer loadDirect(String name) throws IOException {
        ByteBuffer buffer = loader.loadDirect(name);
        buffers.add(buffer);
        return buffer;
    }

    /** Closes the file(s) read; the buffers stay until {@link #free()}. */
    @Override
    public void close() throws IOException {
        loader.close();
    }

    /**
     * Frees every buffer handed out. Only once nothing reads them any more: after the tensors
     * wrapping them are closed.
     */
    public synchronized void free() {
        buffers.forEach(DirectBuffers::free);
        buffers.clear();
    }
}
