package com.cryptomaltese.gateway.engine.arch;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

/**
 * A decoder-only transformer with its weights in memory: a function of (tokens, position, cache).
 * The forward pass appends the tokens' keys and values to the cache and returns the logits of the
 * last position only, which is all generation needs.
 */
public interface DecoderModel extends AutoCloseable {

    /**
     * Runs {@code tokens} at positions {@code cache.length() ..} and returns the last position's
     * logits, shape (vocab). Temporaries belong to {@code step}, which the caller closes; the
     * cache's arrays are kept by the cache.
     */
    NDArray forward(int[] tokens, KvCache cache, NDManager step);

    /** An empty cache for one sequence, its arrays owned by {@code manager}. */
    KvCache newCache(NDManager manager);

    int vocabSize();

    /** Longest sequence (prompt + generated) the model accepts. */
    int maxPositions();

    /** Bytes of weights held in memory. */
    long weightBytes();

    @Override
    void close();
}
