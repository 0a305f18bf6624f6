package com.cryptomaltese.gateway.engine.torchscript;

import java.util.Arrays;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.cryptomaltese.gateway.engine.decode.DecoderState;

/**
 * One sequence on a TorchScript program. A long prompt runs in chunks over the cache, so the logits
 * the program returns for every position of a run stay bounded (chunk × vocabulary) whatever the
 * prompt's length; only the last position's row is copied out.
 */
final class TorchScriptState implements DecoderState {

    /** Positions per program run while reading a prompt. */
    static final int PROMPT_CHUNK = 64;

    private final TorchScriptDecoder decoder;
    private PastTensors past;

    TorchScriptState(TorchScriptDecoder decoder, PastTensors past) {
        this.decoder = decoder;
        this.past = past;
    }

    @Override
    public NDArray forward(int[] tokens, NDManager step) {
        float[] logits = null;
        for (int start = 0; start < tokens.length; start += PROMPT_CHUNK) {
            int[] chunk = Arrays.copyOfRange(tokens, start, Math.min(tokens.length, start + PROMPT_CHUNK));
            TorchScriptDecoder.Step out = decoder.run(chunk, past);
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
        return new TorchScriptState(decoder, past.share());
    }

    @Override
    public void close() {
        if (past != null) {
            past.release();
            past = null;
        }
    }
}
