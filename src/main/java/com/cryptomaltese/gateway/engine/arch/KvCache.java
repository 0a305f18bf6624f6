package com.cryptomaltese.gateway.engine.arch;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDManager;

/**
 * Keys and values of one sequence, per layer, shape (kv_heads, length, head_dim). Owned by one
 * sequence: never shared between concurrent generations.
 */
public final class KvCache implements AutoCloseable {

    private final NDManager manager;
    private final NDArray[] keys;
    private final NDArray[] values;
    private int length;

    public KvCache(NDManager manager, int layers) {
        this.manager = manager;
        this.keys = new NDArray[layers];
        this.values = new NDArray[layers];
    }

    /** An independent copy, for a beam that continues this sequence alongside another. */
    public KvCache fork() {
        KvCache copy = new KvCache(manager, keys.length);
        for (int i = 0; i < keys.length; i++) {
            if (keys[i] != null) {
                copy.keys[i] = keys[i].duplicate();
                copy.values[i] = values[i].duplicate();
                copy.keys[i].attach(manager);
                copy.values[i].attach(manager);
            }
        }
        copy.length = length;
        return copy;
    }

    /** Number of positions already cached. */
    public int length() {
        return length;
    }

    /**
     * Appends one layer's new keys and values (kv_heads, new, head_dim) and returns the whole
     * cached sequence for that layer. The previous arrays are closed.
     */
    public NDArray[] append(int layer, NDArray newKeys, NDArray newValues) {
        keys[layer] = concatenate(keys[layer], newKeys);
        values[layer] = concatenate(values[layer], newValues);
        return new NDArray[] {keys[layer], values[layer]};
    }

    /** Called once per forward pass, after every layer appended {@code count} positions. */
    public void advance(int count) {
        length += count;
    }

    private NDArray concatenate(NDArray old, NDArray added) {
        NDArray joined = old == null ? added.duplicate() : NDArrays.concat(new ai.djl.ndarray.NDList(old, added), 1);
        joined.attach(manager);
        if (old != null) {
            old.close();
        }
        return joined;
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
