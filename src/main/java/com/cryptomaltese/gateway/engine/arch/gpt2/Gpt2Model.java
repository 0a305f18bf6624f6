package com.cryptomaltese.gateway.engine.arch.gpt2;

import java.io.IOException;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import com.cryptomaltese.gateway.engine.arch.KvCache;
import com.cryptomaltese.gateway.engine.arch.Ops;
import com.cryptomaltese.gateway.engine.arch.TransformerDecoder;
import com.cryptomaltese.gateway.engine.weights.WeightLoader;

/**
 * The GPT-2 forward pass as transformers' modeling_gpt2 computes it: learned positions, pre-LayerNorm
 * blocks, fused q/k/v projection, gelu_new MLP, tied lm_head. Batch 1, float32, KV cache. Each
 * operation is one torch call where torch has one (layer_norm, addmm), and scalars are tensors made
 * once, so a decode step issues as few calls as the computation allows.
 */
public final class Gpt2Model extends TransformerDecoder {

    private final Gpt2Config config;
    private final Gpt2Weights weights;
    private final float eps;
    private final NDArray attentionScale; // sqrt(head_dim), the divisor of the attention scores
    private final NDArray three;
    private final NDArray geluCubic;      // 0.044715
    private final NDArray geluScale;      // sqrt(2 / pi)
    private final NDArray one;
    private final NDArray half;

    private Gpt2Model(Gpt2Config config, Gpt2Weights weights, NDManager manager) {
        super(manager, config.numLayers(), config.numHeads(), config.headDim(), config.vocabSize(),
                config.maxPositions(), weights.bytes());
        this.config = config;
        this.weights = weights;
        this.eps = (float) config.layerNormEps();
        this.attentionScale = manager.create((float) Math.sqrt(config.headDim()));
        this.three = manager.create(3f);
        this.geluCubic = manager.create(0.044715f);
        this.geluScale = manager.create((float) Math.sqrt(2.0 / Math.PI));
        this.one = manager.create(1f);
        this.half = manager.create(0.5f);
    }

    /** Checks that {@code loader} holds every tensor a load reads, in its shape, without reading any. */
    public static void check(Gpt2Config config, WeightLoader loader) throws IOException {
        Gpt2Weights.check(config, loader);
    }

    public static Gpt2Model load(Gpt2Config config, WeightLoader loader, NDManager parent) throws IOException {
        return inOwnManager(parent,
                manager -> new Gpt2Model(config, Gpt2Weights.load(config, loader, manager), manager));
    }

    @Override
    public NDArray forward(int[] tokens, KvCache cache, NDManager step) {
        int start = cache.length();
        int count = tokens.length;
        // Both gathers are owned by the step (a result belongs to its first operand's manager), so
        // everything computed from them is freed when the step ends, not with the model.
        NDArray hidden = tokenRows(weights.wte(), tokens, start, step)
                .add(Ops.rows(weights.wpe(), start, count, step)); // (T, hidden), owned by the step
        NDArray mask = causalMask(start, count, 0, step);
        for (int l = 0; l < config.numLayers(); l++) {
            Gpt2Weights.Block b = weights.blocks()[l];
            NDArray x = Ops.layerNorm(hidden, b.ln1Gain(), b.ln1Bias(), eps);
            hidden.addi(attention(l, b, x, count, mask, cache, step));
            x = Ops.layerNorm(hidden, b.ln2Gain(), b.ln2Bias(), eps);
            hidden.addi(Ops.linear(geluNew(Ops.linear(x, b.fcW(), b.fcB())), b.fcProjW(), b.fcProjB()));
        }
        cache.advance(count);
        NDArray last = count == 1 ? hidden : Ops.rows(hidden, count - 1, 1, step); // only it needs logits
        NDArray normed = Ops.layerNorm(last, weights.lnFGain(), weights.lnFBias(), eps);
        return Ops.linear(normed, weights.wte(), null).reshape(config.vocabSize()); // tied lm_head
    }

    private NDArray attention(int l, Gpt2Weights.Block b, NDArray x, int count, NDArray mask, KvCache cache,
                              NDManager step) {
        int heads = config.numHeads();
        NDArray qkv = Ops.linear(x, b.attnW(), b.attnB()); // (T, 3 * hidden): q | k | v
        NDList qkvHeads = byHead(qkv, count, 3 * heads).split(3, 0); // 3 x (heads, T, hd)
        NDArray[] kv = cache.append(l, qkvHeads.get(1), qkvHeads.get(2), step); // (heads, S, hd)
        NDArray scores = qkvHeads.get(0).matMul(kv[0].transpose(0, 2, 1)).divi(attentionScale);
        if (mask != null) {
            scores.addi(mask);
        }
        NDArray out = scores.softmax(-1).matMul(kv[1]); // (heads, T, hd)
        NDArray merged = count == 1 ? out.reshape(1, config.hiddenSize())
                : out.transpose(1, 0, 2).reshape(count, config.hiddenSize());
        return Ops.linear(merged, b.projW(), b.projB());
    }

    /** (T, n * hd) as (n, T, hd); for one token a reshape alone, as the order is the same. */
    private NDArray byHead(NDArray x, int count, int n) {
        return count == 1 ? x.reshape(n, 1, config.headDim())
                : x.reshape(count, n, config.headDim()).transpose(1, 0, 2);
    }

    /**
     * transformers' NewGELUActivation, 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))), in its
     * order of operations; all but the first in place, on the step's own temporaries.
     */
    private NDArray geluNew(NDArray x) {
        NDArray inner = x.pow(three).muli(geluCubic).addi(x).muli(geluScale);
        return x.mul(half).muli(inner.tanh().addi(one));
    }
}
