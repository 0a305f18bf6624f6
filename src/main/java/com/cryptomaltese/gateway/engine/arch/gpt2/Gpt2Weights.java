package com.cryptomaltese.gateway.engine.arch.gpt2;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Arrays;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.cryptomaltese.gateway.engine.weights.TensorInfo;
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
        String prefix = loader.tensors().containsKey("transformer.wte.weight") ? "transformer." : "";
        long[] bytes = {0};
        Reader r = (name, shape) -> {
            TensorInfo info = loader.tensors().get(prefix + name);
            if (info == null) {
                throw new IOException("missing tensor " + prefix + name);
            }
            if (!Arrays.equals(info.shape(), shape)) {
                throw new IOException("tensor " + prefix + name + " has shape " + Arrays.toString(info.shape())
                        + ", config.json implies " + Arrays.toString(shape));
            }
            // Straight into a direct buffer that the tensor wraps: no heap copy to outlive the load.
            ByteBuffer data = loader.loadDirect(prefix + name);
            bytes[0] += data.capacity();
            return manager.create(data, new Shape(shape), DataType.FLOAT32);
        };
        int h = c.hiddenSize();
        NDArray wte = r.read("wte.weight", c.vocabSize(), h);
        NDArray wpe = r.read("wpe.weight", c.maxPositions(), h);
        // Before an array as long as config.json says: a billion layers ran the heap out.
        String last = prefix + "h." + (c.numLayers() - 1) + ".ln_1.weight";
        if (!loader.tensors().containsKey(last)) {
            throw new IOException("config.json says " + c.numLayers() + " layers, but the weights have no " + last);
        }
        Block[] blocks = new Block[c.numLayers()];
        for (int i = 0; i < blocks.length; i++) {
            String p = "h." + i + ".";
            blocks[i] = new Block(
                    r.read(p + "ln_1.weight", h), r.read(p + "ln_1.bias", h),
                    r.read(p + "attn.c_attn.weight", h, 3L * h).transpose(), r.read(p + "attn.c_attn.bias", 3L * h),
                    r.read(p + "attn.c_proj.weight", h, h).transpose(), r.read(p + "attn.c_proj.bias", h),
                    r.read(p + "ln_2.weight", h), r.read(p + "ln_2.bias", h),
                    r.read(p + "mlp.c_fc.weight", h, c.innerSize()).transpose(),
                    r.read(p + "mlp.c_fc.bias", c.innerSize()),
                    r.read(p + "mlp.c_proj.weight", c.innerSize(), h).transpose(), r.read(p + "mlp.c_proj.bias", h));
        }
        NDArray lnFGain = r.read("ln_f.weight", h);
        NDArray lnFBias = r.read("ln_f.bias", h);
        return new Gpt2Weights(wte, wpe, blocks, lnFGain, lnFBias, bytes[0]);
    }

    @FunctionalInterface
    private interface Reader {
        NDArray read(String name, long... shape) throws IOException;
    }
}
