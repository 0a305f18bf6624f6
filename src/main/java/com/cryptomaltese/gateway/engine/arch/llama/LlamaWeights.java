package com.cryptomaltese.gateway.engine.arch.llama;

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
        Reader r = new Reader(loader, manager);
        int q = c.numHeads() * c.headDim();
        int kv = c.numKvHeads() * c.headDim();
        NDArray embed = r.tensor("model.embed_tokens.weight", c.vocabSize(), c.hiddenSize());
        // Before an array as long as config.json says: a billion layers ran the heap out.
        String last = "model.layers." + (c.numLayers() - 1) + ".input_layernorm.weight";
        if (!loader.tensors().containsKey(last)) {
            throw new IOException("config.json says " + c.numLayers() + " layers, but the weights have no " + last);
        }
        Layer[] layers = new Layer[c.numLayers()];
        for (int i = 0; i < layers.length; i++) {
            String p = "model.layers." + i + ".";
            layers[i] = new Layer(
                    r.tensor(p + "input_layernorm.weight", c.hiddenSize()),
                    r.linear(p + "self_attn.q_proj.weight", q, c.hiddenSize()),
                    r.linear(p + "self_attn.k_proj.weight", kv, c.hiddenSize()),
                    r.linear(p + "self_attn.v_proj.weight", kv, c.hiddenSize()),
                    c.attentionBias() ? r.tensor(p + "self_attn.q_proj.bias", q) : null,
                    c.attentionBias() ? r.tensor(p + "self_attn.k_proj.bias", kv) : null,
                    c.attentionBias() ? r.tensor(p + "self_attn.v_proj.bias", kv) : null,
                    r.linear(p + "self_attn.o_proj.weight", c.hiddenSize(), q),
                    r.tensor(p + "post_attention_layernorm.weight", c.hiddenSize()),
                    r.linear(p + "mlp.gate_proj.weight", c.intermediateSize(), c.hiddenSize()),
                    r.linear(p + "mlp.up_proj.weight", c.intermediateSize(), c.hiddenSize()),
                    r.linear(p + "mlp.down_proj.weight", c.hiddenSize(), c.intermediateSize()));
        }
        NDArray norm = r.tensor("model.norm.weight", c.hiddenSize());
        boolean tied = c.tieWordEmbeddings() || !loader.tensors().containsKey("lm_head.weight");
        NDArray lmHead = tied ? embed : r.linear("lm_head.weight", c.vocabSize(), c.hiddenSize());
        return new LlamaWeights(embed, layers, norm, lmHead, r.bytes);
    }

    /** Reads tensors, checking each shape against the config so a mismatch fails at load, by name. */
    private static final class Reader {
        private final WeightLoader loader;
        private final NDManager manager;
        private long bytes;

        Reader(WeightLoader loader, NDManager manager) {
            this.loader = loader;
            this.manager = manager;
        }

        NDArray tensor(String name, long... expected) throws IOException {
            return manager.create(read(name, expected), new Shape(expected), DataType.FLOAT32);
        }

        /** A (out, in) projection, as stored and as linear takes it. */
        NDArray linear(String name, int out, int in) throws IOException {
            return tensor(name, out, in);
        }

        /** Straight into a direct buffer that the tensor wraps: no heap copy to outlive the load. */
        private ByteBuffer read(String name, long... expected) throws IOException {
            TensorInfo info = loader.tensors().get(name);
            if (info == null) {
                throw new IOException("missing tensor " + name);
            }
            if (!Arrays.equals(info.shape(), expected)) {
                throw new IOException("tensor " + name + " has shape " + Arrays.toString(info.shape())
                        + ", config.json implies " + Arrays.toString(expected));
            }
            ByteBuffer data = loader.loadDirect(name);
            bytes += data.capacity();
            return data;
        }
    }
}
