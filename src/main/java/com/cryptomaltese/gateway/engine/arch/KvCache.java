package com.cryptomaltese.gateway.engine.arch;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/**
 * Keys and values of one sequence, per layer, in buffers of shape (kv_heads, capacity, head_dim)
 * of which the first {@link #length()} positions are filled. New positions are written in place;
 * a buffer grows by whole blocks, so a step copies its new keys and values only, not the whole
 * cache as a concatenation per token would. Owned by one sequence: never shared between
 * concurrent generations.
 */
public final class KvCache implements AutoCloseable {

    /** Positions a buffer grows by: one copy of the cache per block instead of one per token. */
    static final int BLOCK = 256;

    private final NDManager manager;
    private final long kvHeads;
    private final long headDim;
    private final int maxPositions;
    private final NDArray[] keys;
    private final NDArray[] values;
    private final int[] capacity; // positions each layer's buffers hold
    private int length;

    public KvCache(NDManager manager, int layers, int kvHeads, int headDim, int maxPositions) {
        this.manager = manager;
        this.kvHeads = kvHeads;
        this.headDim = headDim;
        this.maxPositions = maxPositions;
        this.keys = new NDArray[layers];
        this.values = new NDArray[layers];
        this.capacity = new int[layers];
    }

    /** An independent copy, for a beam that continues this sequence alongside another. */
    public KvCache fork() {
        KvCache copy = new KvCache(manager, keys.length, (int) kvHeads, (int) headDim, maxPositions);
        for (int i = 0; i < keys.length; i++) {
            if (keys[i] != null) {
                copy.keys[i] = keys[i].duplicate(); // owned by this cache's manager, as the original
                copy.values[i] = values[i].duplicate();
            }
        }
        System.arraycopy(capacity, 0, copy.capacity, 0, capacity.length);
        copy.length = length;
        return copy;
    }

    /** Number of positions already cached. */
    public int length() {
        return length;
    }

    /**
     * Writes one layer's new keys and values (kv_heads, new, head_dim) after the cached positions
     * and returns views of the whole cached sequence for that layer, owned by {@code step}.
     */
    public NDArray[] append(int layer, NDArray newKeys, NDArray newValues, NDManager step) {
        int count = (int) newKeys.getShape().get(1);
        int end = length + count;
        if (end > capacity[layer]) {
            grow(layer, end);
        }
        Ops.write(keys[layer], newKeys, kvHeads, length, count, headDim);
        Ops.write(values[layer], newValues, kvHeads, length, count, headDim);
        return new NDArray[] {
            Ops.middle(keys[layer], kvHeads, 0, end, headDim, step),
            Ops.middle(values[layer], kvHeads, 0, end, headDim, step)};
    }

    /** Called once per forward pass, after every layer appended {@code count} positions. */
    public void advance(int count) {
        length += count;
    }

    /** Makes room for {@code needed} positions in one layer: whole blocks, at most the model's positions. */
    private void grow(int layer, int needed) {
        int size = Math.max(needed, Math.min(maxPositions, (needed + BLOCK - 1) / BLOCK * BLOCK));
        keys[layer] = regrown(keys[layer], size);
        values[layer] = regrown(values[layer], size);
        capacity[layer] = size;
    }

    /** A buffer of {@code size} positions holding the cached ones of {@code old}, which is closed. */
    private NDArray regrown(NDArray old, int size) {
        // Uninitialised: only positions below the length are ever read.
        NDArray buffer = manager.create(new Shape(kvHeads, size, headDim), DataType.FLOAT32);
        if (old != null) {
            if (length > 0) {
                try (NDArray cached = Ops.middle(old, kvHeads, 0, length, headDim, manager)) {
                    Ops.write(buffer, cached, kvHeads, 0, length, headDim);
                }
            }
            old.close();
        }
        return buffer;
    }

    @Override
    public void close() {
        for (int i = 0; i < keys.length; i++) {
            if (keys[i] != null) {
                keys[i].close();
                values[i].close();
            }
        }
    }
}
