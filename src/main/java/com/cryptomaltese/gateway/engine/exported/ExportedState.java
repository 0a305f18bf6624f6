package com.cryptomaltese.gateway.engine.exported;

import java.util.Arrays;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.cryptomaltese.gateway.engine.decode.DecoderState;

/**
 * One sequence on an exported model. A long prompt runs in chunks over the cache, so the logits the
 * model returns for every position of a run stay bounded (chunk × vocabulary) whatever the prompt's
 * length; only the last position's row is copied out.
 */
final class ExportedState implements DecoderState {

    private final ExportedDecoder decoder;
    private SharedCache past;

    ExportedState(ExportedDecoder decoder, SharedCache past) {
        this.decoder = decoder;
        this.past = past;
    }

    /**
     * The logits go back to the decode loop as an array of {@code step}'s engine (the default
     * engine), where greedy decoding takes their argmax natively; the model engine's own arrays
     * only carry its inputs and outputs.
     */
    @Override
    public NDArray forward(int[] tokens, NDManager step) {
        float[] logits = null;
        for (int start = 0; start < tokens.length; start += ExportedDecoder.PROMPT_CHUNK) {
            int[] chunk = Arrays.copyOfRange(tokens, start, Math.min(tokens.length, start + ExportedDecoder.PROMPT_CHUNK));
            ExportedDecoder.Step out = decoder.run(chunk, past);
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
        return new ExportedState(decoder, past.share());
    }

    @Override
    public void close() {
        if (past != null) {
            past.release();
            past = null;
        }
    }
}
