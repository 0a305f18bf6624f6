package com.cryptomaltese.gateway.engine.decode;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

/** One sequence inside a {@link Decoder}: what the model keeps of it (its KV cache) and the step that extends it. */
public interface DecoderState extends AutoCloseable {

    /**
     * Runs {@code tokens} at the next positions and returns the last position's logits, shape
     * (vocab), owned by {@code step}, which the caller closes.
     */
    NDArray forward(int[] tokens, NDManager step);

    /** An independent continuation, for a beam that goes on from this sequence alongside another. */
    DecoderState fork();

    @Override
    void close();
}
