package com.cryptomaltese.gateway.engine.arch.gpt2;

import java.io.IOException;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.cryptomaltese.gateway.engine.arch.WeightReader;
import com.cryptomaltese.gateway.engine.weights.WeightLoader;

/**
 * GPT-2's weights. Its Conv1D layers store (in, out); they are held as (out, in) views of that
 * storage, the layout {@code linear} takes, which multiplies by the stored matrix exactly as
 * Conv1D's addmm does (no copy). Tensor names appear with the {@code transformer.} prefix (GPT2LMHeadModel) or without it (the original
 * checkpoints on the Hub); the lm_head is always the token embedding (tied).
 */
record Gpt2Weights(
        NDArray wte,      // (vocab, hidden), also the lm_head (tied), in the layout linear takes
        NDArray wpe,      // (positions, hidden)
        Block[] blocks,
        NDArray lnFGain, NDArray lnFBias, // (hidden)
        long bytes) {

    record Block(
            NDArray ln1Gain, NDArray ln1Bias,     // (hidden)
            NDArray attnW, NDArray attnB,         // (3 * hidden, hidden) view, (3 * hidden)
            NDArray projW, NDArray projB,         // (hidden, hidden) view, (hidden)
            NDArray ln2Gain, NDArray ln2Bias,     // (hidden)
            NDArray fcW, NDArray fcB,             // (inner, hidden) view, (inner)
            NDArray fcProjW, NDArray fcProjB) {   // (hidden, inner) view, (hidden)
    }

    static Gpt2Weights load(Gpt2Config c, WeightLoader loader, NDManager manager) throws IOException {
        return read(c, WeightReader.loading(loader, manager, prefix(loader)));
    }

    /** Checks that the weights hold every tensor {@link #load} reads, in its shape; reads nothing. */
    static void check(Gpt2Config c, WeightLoader loader) throws IOException {
        read(c, WeightReader.checking(loader, prefix(loader)));
    }

    private static String prefix(WeightLoader loader) {
        return loader.tensors().containsKey("transformer.wte.weight") ? "transformer." : "";
    }

    private static Gpt2Weights read(Gpt2Config c, WeightReader r) throws IOException {
        int h = c.hiddenSize();
        NDArray wte = r.tensor("wte.weight", c.vocabSize(), h);
        NDArray wpe = r.tensor("wpe.weight", c.maxPositions(), h);
        r.requireLayers(c.numLayers(), "h." + (c.numLayers() - 1) + ".ln_1.weight");
        Block[] blocks = new Block[c.numLayers()];
        for (int i = 0; i < blocks.length; i++) {
            String p = "h." + i + ".";
            blocks[i] = new Block(
                    r.tensor(p + "ln_1.weight", h), r.tensor(p + "ln_1.bias", h),
                    conv1d(r, p + "attn.c_attn.weight", h, 3L * h), r.tensor(p + "attn.c_attn.bias", 3L * h),
                    conv1d(r, p + "attn.c_proj.weight", h, h), r.tensor(p + "attn.c_proj.bias", h),
                    r.tensor(p + "ln_2.weight", h), r.tensor(p + "ln_2.bias", h),
                    conv1d(r, p + "mlp.c_fc.weight", h, c.innerSize()), r.tensor(p + "mlp.c_fc.bias", c.innerSize()),
                    conv1d(r, p + "mlp.c_proj.weight", c.innerSize(), h), r.tensor(p + "mlp.c_proj.bias", h));
        }
        NDArray lnFGain = r.tensor("ln_f.weight", h);
        NDArray lnFBias = r.tensor("ln_f.bias", h);
        return new Gpt2Weights(wte, wpe, blocks, lnFGain, lnFBias, r.bytes());
    }

    /** A Conv1D weight, stored (in, out), as the (out, in) view linear takes; null when checking. */
    private static NDArray conv1d(WeightReader r, String name, long in, long out) throws IOException {
        NDArray stored = r.tensor(name, in, out);
        return stored == null ? null : stored.transpose();
    }
}
