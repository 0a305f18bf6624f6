package com.cryptomaltese.gateway.engine.arch.llama;

import java.io.IOException;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import com.cryptomaltese.gateway.engine.arch.KvCache;
import com.cryptomaltese.gateway.engine.arch.TransformerDecoder;
import com.cryptomaltese.gateway.engine.weights.WeightLoader;

/**
 * The Llama forward pass (llama, qwen2, mistral): RMSNorm, rotary positions, grouped-query
 * attention with a KV cache, SwiGLU. Written as transformers' modeling_llama computes it, batch 1,
 * float32; the attention is batched over heads, and only the last position reaches the lm_head.
 */
public final class LlamaModel extends TransformerDecoder {

    private final LlamaConfig config;
    private final LlamaWeights weights;
    private final Rope rope;

    private LlamaModel(LlamaConfig config, LlamaWeights weights, NDManager manager) {
        super(manager, config.numLayers(), config.vocabSize(), config.maxPositions(), weights.bytes());
        this.config = config;
        this.weights = weights;
        this.rope = new Rope(config);
    }

    public static LlamaModel load(LlamaConfig config, WeightLoader loader, NDManager parent) throws IOException {
        return inOwnManager(parent,
                manager -> new LlamaModel(config, LlamaWeights.load(config, loader, manager), manager));
    }

    @Override
    public NDArray forward(int[] tokens, KvCache cache, NDManager step) {
        int start = cache.length();
        int count = tokens.length;
        long[] ids = indices(tokens, start);
        NDArray hidden = weights.embedTokens().get(new NDIndex("{}", step.create(ids))); // (T, hidden)
        hidden.attach(step);
        float[][] tables = rope.tables(start, count);
        NDArray cos = step.create(tables[0], new Shape(count, config.headDim()));
        NDArray sin = step.create(tables[1], new Shape(count, config.headDim()));
        NDArray mask = step.create(causalMask(start, count, config.slidingWindow()), new Shape(count, start + count));

        for (int l = 0; l < config.numLayers(); l++) {
            LlamaWeights.Layer layer = weights.layers()[l];
            NDArray attended = attention(l, layer, rmsNorm(hidden, layer.inputNorm()), cos, sin, mask, cache);
            hidden = hidden.add(attended);
            NDArray x = rmsNorm(hidden, layer.postNorm());
            NDArray gate = x.matMul(layer.gate());
            NDArray mlp = gate.mul(Activation.sigmoid(gate)).mul(x.matMul(layer.up())).matMul(layer.down());
            hidden = hidden.add(mlp);
        }
        cache.advance(count);
        NDArray last = hidden.get(count - 1); // (hidden): only the last position needs logits
        return rmsNorm(last, weights.norm()).matMul(weights.lmHead());
    }

    private NDArray attention(int l, LlamaWeights.Layer w, NDArray x, NDArray cos, NDArray sin, NDArray mask,
                              KvCache cache) {
        int count = (int) x.getShape().get(0);
        int hd = config.headDim();
        int heads = config.numHeads();
        int kvHeads = config.numKvHeads();
        NDArray q = project(x, w.wq(), w.bq()).reshape(count, heads, hd).transpose(1, 0, 2);   // (H, T, hd)
        NDArray k = project(x, w.wk(), w.bk()).reshape(count, kvHeads, hd).transpose(1, 0, 2); // (KV, T, hd)
        NDArray v = project(x, w.wv(), w.bv()).reshape(count, kvHeads, hd).transpose(1, 0, 2);
        q = rotate(q, cos, sin);
        k = rotate(k, cos, sin);
        NDArray[] kv = cache.append(l, k, v); // (KV, S, hd) each
        int group = heads / kvHeads;
        // Grouped-query attention without copying keys: queries (KV, group, T, hd) against keys
        // (KV, 1, hd, S) broadcast over the group. Query head h uses kv head h / group, as repeat_kv.
        NDArray grouped = q.reshape(kvHeads, group, count, hd);
        // Views of the cache belong to the step (as q does), or they would keep this step's copy
        // of the cache alive until the sequence ends.
        NDArray keysT = kv[0].transpose(0, 2, 1);
        keysT.attach(q.getManager());
        keysT = keysT.expandDims(1);
        NDArray values = kv[1].expandDims(1);
        values.attach(q.getManager());
        NDArray scores = grouped.matMul(keysT).div((float) Math.sqrt(hd)).add(mask); // (KV, group, T, S)
        NDArray probs = scores.softmax(-1);
        NDArray out = probs.matMul(values); // (KV, group, T, hd)
        return out.reshape(heads, count, hd).transpose(1, 0, 2).reshape(count, heads * hd).matMul(w.wo());
    }

    private static NDArray project(NDArray x, NDArray weight, NDArray bias) {
        NDArray y = x.matMul(weight);
        return bias == null ? y : y.add(bias);
    }

    /** {@code x * cos + rotate_half(x) * sin}, with rotate_half = cat(-x2, x1). */
    private NDArray rotate(NDArray x, NDArray cos, NDArray sin) {
        int half = config.headDim() / 2;
        NDArray x1 = x.get(new NDIndex("..., :{}", half));
        NDArray x2 = x.get(new NDIndex("..., {}:", half));
        NDArray rotated = x2.neg().concat(x1, -1);
        return x.mul(cos).add(rotated.mul(sin));
    }

    /** RMSNorm as transformers: x * rsqrt(mean(x^2) + eps), then times the weight. */
    private NDArray rmsNorm(NDArray x, NDArray weight) {
        NDArray variance = x.pow(2).mean(new int[] {-1}, true);
        return x.div(variance.add((float) config.rmsNormEps()).sqrt()).mul(weight);
    }
}
