package com.cryptomaltese.gateway.engine.onnx;

import java.util.Arrays;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.cryptomaltese.gateway.engine.decode.DecoderState;

/**
 * One sequence on an ONNX graph. A long prompt runs in chunks over the cache, so the logits ONNX
 * Runtime returns for every position of a step stay bounded (chunk × vocabulary) whatever the
 * prompt's length; only the last position's row is copied out.
 */
final class OnnxState implements DecoderState {

    /** Positions per graph run while reading a prompt. */
    static final int PROMPT_CHUNK = 64;

    private final OnnxDecoder decoder;
    private PastKeyValues past;

    OnnxState(OnnxDecoder decoder, PastKeyValues past) {
        this.decoder = decoder;
        this.past = past;
    }

    /**
     * The logits go back to the decode loop as an array of {@code step}'s engine (the default
     * engine), where greedy decoding takes their argmax natively; ONNX Runtime's own arrays only
     * carry the graph's inputs and outputs.
     */
    @Override
    public NDArray forward(int[] tokens, NDManager step) {
        float[] logits = null;
        for (int start = 0; start < tokens.length; start += PROMPT_CHUNK) {
            int[] chunk = Arrays.copyOfRange(tokens, start, Math.min(tokens.length, start + PROMPT_CHUNK));
            OnnxDecoder.Step out = decoder.run(chunk, past);
            past.release();
            past = out.present();
            logits = out.lastLogits();
        }
        if (logits == null) {
            throw new IllegalArgumentException("no tokens to run");
        }
        return step.create(logits);
    }

    @Override
    public DecoderState fork() {
        return new OnnxState(decoder, past.share());
    }

    @Override
    public void close() {
        if (past != null) {
            past.release();
            past = null;
        }
    }
}
