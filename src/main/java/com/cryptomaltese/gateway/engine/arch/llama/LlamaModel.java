package com.cryptomaltese.gateway.engine.arch.llama;

import java.io.IOException;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import com.cryptomaltese.gateway.engine.arch.KvCache;
import com.cryptomaltese.gateway.engine.arch.Ops;
import com.cryptomaltese.gateway.engine.arch.TransformerDecoder;
import com.cryptomaltese.gateway.engine.weights.WeightLoader;

/**
 * The Llama forward pass (llama, qwen2, mistral): RMSNorm, rotary positions, grouped-query
 * attention with a KV cache, SwiGLU. Written as transformers' modeling_llama computes it, batch 1,
 * float32; the attention is batched over heads, and only the last position reaches the lm_head.
 * Projections are one {@code linear} call each, scalars are tensors made once.
 */
public final class LlamaModel extends TransformerDecoder {

    private final LlamaConfig config;
    private final LlamaWeights weights;
    private final Rope rope;
    private final NDArray two;
    private final NDArray eps;
    private final NDArray attentionScale; // sqrt(head_dim), the divisor of the attention scores

    private LlamaModel(LlamaConfig config, LlamaWeights weights, NDManager manager) {
        super(manager, config.numLayers(), config.numKvHeads(), config.headDim(), config.vocabSize(),
                config.maxPositions(), weights.bytes());
        this.config = config;
        this.weights = weights;
        this.rope = new Rope(config);
        this.two = manager.create(2f);
        this.eps = manager.create((float) config.rmsNormEps());
        this.attentionScale = manager.create((float) Math.sqrt(config.headDim()));
    }

    /** Checks that {@code loader} holds every tensor a load reads, in its shape, without reading any. */
    public static void check(LlamaConfig config, WeightLoader loader) throws IOException {
        LlamaWeights.check(config, loader);
    }

    public static LlamaModel load(LlamaConfig config, WeightLoader loader, NDManager parent) throws IOException {
        return inOwnManager(parent,
                manager -> new LlamaModel(config, LlamaWeights.load(config, loader, manager), manager));
    }

    @Override
    public NDArray forward(int[] tokens, KvCache cache, NDManager step) {
        int start = cache.length();
        int count = tokens.length;
        NDArray hidden = tokenRows(weights.embedTokens(), tokens, start, step); // (T, hidden)
        float[][] tables = rope.tables(start, count);
        NDArray cos = step.create(tables[0], new Shape(count, config.headDim()));
        NDArray sin = step.create(tables[1], new Shape(count, config.headDim())); // first half negated
        NDArray mask = causalMask(start, count, config.slidingWindow(), step);

        for (int l = 0; l < config.numLayers(); l++) {
            LlamaWeights.Layer layer = weights.layers()[l];
            NDArray attended = attention(l, layer, rmsNorm(hidden, layer.inputNorm()), count, cos, sin, mask, cache,
                    step);
            // The first residual is a new array: a single token's embedding is a view of the table.
            hidden = l == 0 ? hidden.add(attended) : hidden.addi(attended);
            NDArray x = rmsNorm(hidden, layer.postNorm());
            NDArray gate = Ops.linear(x, layer.gate(), null);
            NDArray mlp = gate.muli(Activation.sigmoid(gate)).muli(Ops.linear(x, layer.up(), null));
            hidden.addi(Ops.linear(mlp, layer.down(), null));
        }
        cache.advance(count);
        NDArray last = count == 1 ? hidden : Ops.rows(hidden, count - 1, 1, step); // only it needs logits
        return Ops.linear(rmsNorm(last, weights.norm()), weights.lmHead(), null).reshape(config.vocabSize());
    }

    private NDArray attention(int l, LlamaWeights.Layer w, NDArray x, int count, NDArray cos, NDArray sin,
                              NDArray mask, KvCache cache, NDManager step) {
        int hd = config.headDim();
        int heads = config.numHeads();
        int kvHeads = config.numKvHeads();
        NDArray q = rotate(byHead(Ops.linear(x, w.wq(), w.bq()), count, heads), cos, sin);   // (H, T, hd)
        NDArray k = rotate(byHead(Ops.linear(x, w.wk(), w.bk()), count, kvHeads), cos, sin); // (KV, T, hd)
        NDArray v = byHead(Ops.linear(x, w.wv(), w.bv()), count, kvHeads);
        NDArray[] kv = cache.append(l, k, v, step); // (KV, S, hd) each
        int group = heads / kvHeads;
        NDArray keysT = kv[0].transpose(0, 2, 1);
        NDArray values = kv[1];
        if (group > 1) {
            // Grouped-query attention without copying keys: queries (KV, group, T, hd) against keys
            // (KV, 1, hd, S) broadcast over the group. Query head h uses kv head h / group, as repeat_kv.
            q = q.reshape(kvHeads, group, count, hd);
            keysT = keysT.expandDims(1);
            values = values.expandDims(1);
        }
        NDArray scores = q.matMul(keysT).divi(attentionScale); // (KV, group, T, S)
        if (mask != null) {
            scores.addi(mask);
        }
        NDArray out = scores.softmax(-1).matMul(values); // (KV, group, T, hd)
        NDArray merged = count == 1 ? out.reshape(1, heads * hd)
                : out.reshape(heads, count, hd).transpose(1, 0, 2).reshape(count, heads * hd);
        return Ops.linear(merged, w.wo(), null);
    }

    /** (T, n * hd) as (n, T, hd); for one token a reshape alone, as the order is the same. */
    private NDArray byHead(NDArray x, int count, int n) {
        return count == 1 ? x.reshape(n, 1, config.headDim())
                : x.reshape(count, n, config.headDim()).transpose(1, 0, 2);
    }

    /**
     * {@code x * cos + rotate_half(x) * sin}, with rotate_half = cat(-x2, x1), computed as
     * cat(x2, x1) times Rope's sin table, which is negated on its first half.
     */
    private NDArray rotate(NDArray x, NDArray cos, NDArray signedSin) {
        int half = config.headDim() / 2;
        NDArray swapped = Ops.slice(x, 2, half, 2L * half).concat(Ops.slice(x, 2, 0, half), -1);
        return x.mul(cos).addi(swapped.muli(signedSin));
    }

    /** RMSNorm as transformers: x * rsqrt(mean(x^2) + eps), then times the weight. */
    private NDArray rmsNorm(NDArray x, NDArray weight) {
        NDArray variance = x.pow(two).mean(new int[] {-1}, true);
        return x.div(variance.addi(eps).sqrt()).muli(weight);
    }
}
