package com.cryptomaltese.gateway.engine.exported;

import java.util.List;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

/**
 * One sequence's KV cache as an exported model takes it: a key and a value tensor per layer,
 * (1, kv_heads, length, head_dim), in layer order. The model never writes into its inputs (each run
 * returns new present tensors holding past and new positions), so beams that continue the same
 * sequence share one instance instead of copying it; the tensors are freed when the last holder
 * releases them.
 */
public final class SharedCache {

    /** Names the tensor of {@code layer}'s {@code kind} ("key" or "value") as the model's input. */
    @FunctionalInterface
    public interface InputNames {
        String of(int layer, String kind);
    }

    private static final String[] KINDS = {"key", "value"};

    private final NDManager owner;
    private final NDList arrays;
    private final int length;
    private int holders = 1;

    private SharedCache(NDManager owner, NDList arrays, int length) {
        this.owner = owner;
        this.arrays = arrays;
        this.length = length;
    }

    /** The cache before the first run: every tensor has 0 positions. */
    static SharedCache empty(NDManager owner, int layers, ExportedConfig config, InputNames names) {
        NDList arrays = new NDList();
        for (int i = 0; i < layers; i++) {
            for (String kind : KINDS) {
                NDArray empty = owner.create(new float[0], new Shape(1, config.kvHeads(), 0, config.headDim()));
                empty.setName(names.of(i, kind));
                arrays.add(empty);
            }
        }
        return new SharedCache(owner, arrays, 0);
    }

    /**
     * A run's present tensors (key, value per layer, in layer order; null where the model returned
     * none), moved to {@code owner} and named as the next run's inputs.
     */
    static SharedCache present(NDManager owner, List<NDArray> present, int length, InputNames names) {
        NDList arrays = new NDList();
        for (int i = 0; i < present.size(); i++) {
            NDArray tensor = present.get(i);
            String what = "present " + KINDS[i % 2] + " of layer " + i / 2;
            if (tensor == null || tensor.getShape().dimension() != 4 || tensor.getShape().get(2) != length) {
                owner.close();
                throw new IllegalStateException("the model's " + what + " must be (batch, kv_heads, " + length
                        + ", head_dim), got " + (tensor == null ? "none" : tensor.getShape()));
            }
            tensor.attach(owner);
            tensor.setName(names.of(i / 2, KINDS[i % 2]));
            arrays.add(tensor);
        }
        return new SharedCache(owner, arrays, length);
    }

    /** Positions cached. */
    int length() {
        return length;
    }

    /** The tensors, named as inputs; valid while this instance is held. */
    NDList arrays() {
        return arrays;
    }

    /** One more holder: a beam continuing the same sequence. */
    SharedCache share() {
        holders++;
        return this;
    }

    void release() {
        if (--holders == 0) {
            owner.close();
        }
    }
}
