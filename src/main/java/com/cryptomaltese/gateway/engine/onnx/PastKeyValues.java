package com.cryptomaltese.gateway.engine.onnx;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

/**
 * One sequence's KV cache as the graph takes it: a key and a value tensor per layer, (1, kv_heads,
 * length, head_dim), named as the graph's {@code past_key_values.N.key/value} inputs. The graph
 * never writes into its inputs (each step returns new {@code present} tensors holding past and new
 * positions), so beams that continue the same sequence share one instance instead of copying it;
 * the tensors are freed when the last holder releases them.
 */
final class PastKeyValues {

    private final NDManager owner;
    private final NDList arrays;
    private final int length;
    private int holders = 1;

    private PastKeyValues(NDManager owner, NDList arrays, int length) {
        this.owner = owner;
        this.arrays = arrays;
        this.length = length;
    }

    /** The cache before the first step: every tensor has 0 positions. */
    static PastKeyValues empty(NDManager owner, int layers, OnnxConfig config) {
        NDList arrays = new NDList();
        for (int i = 0; i < layers; i++) {
            for (String kind : KINDS) {
                NDArray empty = owner.create(new float[0], new Shape(1, config.kvHeads(), 0, config.headDim()));
                empty.setName(inputName(i, kind));
                arrays.add(empty);
            }
        }
        return new PastKeyValues(owner, arrays, 0);
    }

    /**
     * The {@code present.N.key/value} outputs of a step, moved to {@code owner} and renamed as the
     * next step's inputs.
     */
    static PastKeyValues present(NDManager owner, NDList outputs, int layers, int length) {
        NDList arrays = new NDList();
        for (int i = 0; i < layers; i++) {
            for (String kind : KINDS) {
                NDArray present = outputs.get("present." + i + "." + kind);
                if (present == null || present.getShape().dimension() != 4 || present.getShape().get(2) != length) {
                    owner.close();
                    throw new IllegalStateException("the graph's output present." + i + "." + kind + " must be (batch, "
                            + "kv_heads, " + length + ", head_dim), got " + (present == null ? "none" : present.getShape()));
                }
                present.attach(owner);
                present.setName(inputName(i, kind));
                arrays.add(present);
            }
        }
        return new PastKeyValues(owner, arrays, length);
    }

    static String inputName(int layer, String kind) {
        return "past_key_values." + layer + "." + kind;
    }

    static final String[] KINDS = {"key", "value"};

    /** Positions cached. */
    int length() {
        return length;
    }

    /** The tensors, named as inputs; valid while this instance is held. */
    NDList arrays() {
        return arrays;
    }

    /** One more holder: a beam continuing the same sequence. */
    PastKeyValues share() {
        holders++;
        return this;
    }

    void release() {
        if (--holders == 0) {
            owner.close();
        }
    }
}
