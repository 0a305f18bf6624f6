package com.cryptomaltese.gateway.engine.arch.gpt2;

import java.io.IOException;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import com.cryptomaltese.gateway.engine.arch.KvCache;
import com.cryptomaltese.gateway.engine.arch.TransformerDecoder;
import com.cryptomaltese.gateway.engine.weights.WeightLoader;

/**
 * The GPT-2 forward pass as transformers' modeling_gpt2 computes it: learned positions, pre-LayerNorm
 * blocks, fused q/k/v projection, gelu_new MLP, tied lm_head. Batch 1, float32, KV cache.
 */
public final class Gpt2Model extends TransformerDecoder {

    private static final float GELU_C = (float) Math.sqrt(2.0 / Math.PI);

    private final Gpt2Config config;
    private final Gpt2Weights weights;

    private Gpt2Model(Gpt2Config config, Gpt2Weights weights, NDManager manager) {
        super(manager, config.numLayers(), config.vocabSize(), config.maxPositions(), weights.bytes());
        this.config = config;
        this.weights = weights;
    }

    public static Gpt2Model load(Gpt2Config config, WeightLoader loader, NDManager parent) throws IOException {
        return inOwnManager(parent,
                manager -> new Gpt2Model(config, Gpt2Weights.load(config, loader, manager), manager));
    }

    @Override
    public NDArray forward(int[] tokens, KvCache cache, NDManager step) {
        int start = cache.length();
        int count = tokens.length;
        long[] ids = indices(tokens, start);
        long[] positions = new long[count];
        for (int i = 0; i < count; i++) {
            positions[i] = start + i;
        }
        // A result belongs to its first operand's manager: the gathered rows would otherwise join
        // the weights' manager and live (and pile up) as long as the model. Attached to the step,
        // everything computed from them is freed when the step ends.
        NDArray tokenRows = weights.wte().get(new NDIndex("{}", step.create(ids)));
        tokenRows.attach(step);
        NDArray positionRows = weights.wpe().get(new NDIndex("{}", step.create(positions)));
        positionRows.attach(step);
        NDArray hidden = tokenRows.add(positionRows); // (T, hidden)
        NDArray mask = step.create(causalMask(start, count, 0), new Shape(count, start + count));
        for (int l = 0; l < config.numLayers(); l++) {
            Gpt2Weights.Block b = weights.blocks()[l];
            hidden = hidden.add(attention(l, b, layerNorm(hidden, b.ln1Gain(), b.ln1Bias()), mask, cache));
            NDArray x = layerNorm(hidden, b.ln2Gain(), b.ln2Bias());
            hidden = hidden.add(geluNew(x.matMul(b.fcW()).add(b.fcB())).matMul(b.fcProjW()).add(b.fcProjB()));
        }
        cache.advance(count);
        NDArray last = hidden.get(count - 1);
        return layerNorm(last, weights.lnFGain(), weights.lnFBias()).matMul(weights.lmHead());
    }

    private NDArray attention(int l, Gpt2Weights.Block b, NDArray x, NDArray mask, KvCache cache) {
        int count = (int) x.getShape().get(0);
        int heads = config.numHeads();
        int hd = config.headDim();
        int h = config.hiddenSize();
        NDArray qkv = x.matMul(b.attnW()).add(b.attnB()); // (T, 3 * hidden): q | k | v
        NDArray q = qkv.get(new NDIndex(":, :{}", h)).reshape(count, heads, hd).transpose(1, 0, 2);
        NDArray k = qkv.get(new NDIndex(":, {}:{}", h, 2 * h)).reshape(count, heads, hd).transpose(1, 0, 2);
        NDArray v = qkv.get(new NDIndex(":, {}:", 2 * h)).reshape(count, heads, hd).transpose(1, 0, 2);
        NDArray[] kv = cache.append(l, k, v); // (heads, S, hd)
        // The transposed view would belong to the cache's manager and keep this step's copy of the
        // keys alive until the sequence ends: it belongs to the step, as q does.
        NDArray keysT = kv[0].transpose(0, 2, 1);
        keysT.attach(q.getManager());
        NDArray scores = q.matMul(keysT).div((float) Math.sqrt(hd)).add(mask);
        NDArray out = scores.softmax(-1).matMul(kv[1]); // (heads, T, hd)
        return out.transpose(1, 0, 2).reshape(count, h).matMul(b.projW()).add(b.projB());
    }

    private NDArray layerNorm(NDArray x, NDArray gain, NDArray bias) {
        NDArray mean = x.mean(new int[] {-1}, true);
        NDArray centered = x.sub(mean);
        NDArray variance = centered.pow(2).mean(new int[] {-1}, true);
        return centered.div(variance.add((float) config.layerNormEps()).sqrt()).mul(gain).add(bias);
    }

    /** transformers' NewGELUActivation: 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))). */
    private static NDArray geluNew(NDArray x) {
        NDArray inner = x.add(x.pow(3).mul(0.044715f)).mul(GELU_C);
        return x.mul(0.5f).mul(inner.tanh().add(1f));
    }
}
