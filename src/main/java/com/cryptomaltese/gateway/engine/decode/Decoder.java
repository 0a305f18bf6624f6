package com.cryptomaltese.gateway.engine.decode;

import ai.djl.ndarray.NDManager;
import com.cryptomaltese.gateway.engine.arch.DecoderModel;

/**
 * What the decode loop runs: a model in memory that keeps one {@link DecoderState} per sequence.
 * Our own architectures ({@link DecoderModel}) and models run by another runtime (ONNX) meet the
 * {@link Generator} here, so both get the same sampling, beam search, stop and deadline rules.
 */
public interface Decoder extends AutoCloseable {

    /** An empty sequence; arrays it keeps belong to {@code manager} or to the decoder itself. */
    DecoderState newState(NDManager manager);

    /** Longest sequence (prompt + generated) the model accepts. */
    int maxPositions();

    /** Rows of the logits: token ids run from 0 to one less. */
    int vocabSize();

    /** Bytes of weights held in memory. */
    long weightBytes();

    @Override
    void close();

    /** A {@link DecoderModel} with a {@link com.cryptomaltese.gateway.engine.arch.KvCache} per sequence. */
    static Decoder of(DecoderModel model) {
        return new KvCacheDecoder(model);
    }
}
