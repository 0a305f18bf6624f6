package com.cryptomaltese.gateway.engine.arch.llama;

import java.io.IOException;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.cryptomaltese.gateway.engine.arch.WeightReader;
import com.cryptomaltese.gateway.engine.weights.WeightLoader;

/**
 * The Llama family's weights in memory. Hugging Face tensor names appear here and nowhere else.
 * Projection matrices stay (out, in) as stored, the layout {@code linear} takes, as nn.Linear does.
 */
record LlamaWeights(
        NDArray embedTokens, // (vocab, hidden)
        Layer[] layers,
        NDArray norm,        // (hidden)
        NDArray lmHead,      // (vocab, hidden): the embedding itself when tied
        long bytes) {

    record Layer(
            NDArray inputNorm,     // (hidden)
            NDArray wq,            // (heads * head_dim, hidden)
            NDArray wk,            // (kv_heads * head_dim, hidden)
            NDArray wv,            // (kv_heads * head_dim, hidden)
            NDArray bq, NDArray bk, NDArray bv, // qwen2 only, else null
            NDArray wo,            // (hidden, heads * head_dim)
            NDArray postNorm,      // (hidden)
            NDArray gate,          // (intermediate, hidden)
            NDArray up,            // (intermediate, hidden)
            NDArray down) {        // (hidden, intermediate)
    }

    static LlamaWeights load(LlamaConfig c, WeightLoader loader, NDManager manager) throws IOException {
        return read(c, WeightReader.loading(loader, manager, ""));
    }

    /** Checks that the weights hold every tensor {@link #load} reads, in its shape; reads nothing. */
    static void check(LlamaConfig c, WeightLoader loader) throws IOException {
        read(c, WeightReader.checking(loader, ""));
    }

    private static LlamaWeights read(LlamaConfig c, WeightReader r) throws IOException {
        int q = c.numHeads() * c.headDim();
        int kv = c.numKvHeads() * c.headDim();
        int h = c.hiddenSize();
        NDArray embed = r.tensor("model.embed_tokens.weight", c.vocabSize(), h);
        r.requireLayers(c.numLayers(), "model.layers." + (c.numLayers() - 1) + ".input_layernorm.weight");
        Layer[] layers = new Layer[c.numLayers()];
        for (int i = 0; i < layers.length; i++) {
            String p = "model.layers." + i + ".";
            layers[i] = new Layer(
                    r.tensor(p + "input_layernorm.weight", h),
                    r.tensor(p + "self_attn.q_proj.weight", q, h),
                    r.tensor(p + "self_attn.k_proj.weight", kv, h),
                    r.tensor(p + "self_attn.v_proj.weight", kv, h),
                    c.attentionBias() ? r.tensor(p + "self_attn.q_proj.bias", q) : null,
                    c.attentionBias() ? r.tensor(p + "self_attn.k_proj.bias", kv) : null,
                    c.attentionBias() ? r.tensor(p + "self_attn.v_proj.bias", kv) : null,
                    r.tensor(p + "self_attn.o_proj.weight", h, q),
                    r.tensor(p + "post_attention_layernorm.weight", h),
                    r.tensor(p + "mlp.gate_proj.weight", c.intermediateSize(), h),
                    r.tensor(p + "mlp.up_proj.weight", c.intermediateSize(), h),
                    r.tensor(p + "mlp.down_proj.weight", h, c.intermediateSize()));
        }
        NDArray norm = r.tensor("model.norm.weight", h);
        // Untied, the output layer is a tensor of its own: without it transformers starts from random
        // weights (and warns), so the model is refused rather than answered with the embedding.
        NDArray lmHead = c.tieWordEmbeddings() ? embed : r.tensor("lm_head.weight", c.vocabSize(), h);
        return new LlamaWeights(embed, layers, norm, lmHead, r.bytes());
    }
}
