package com.cryptomaltese.gateway.engine.torchscript;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.cryptomaltese.gateway.engine.onnx.OnnxConfig;

/**
 * One sequence's KV cache as the program takes it: a key and a value tensor per layer, (1, kv_heads,
 * length, head_dim), in layer order. The program never writes into its inputs (each run returns new
 * present tensors holding past and new positions), so beams that continue the same sequence share
 * one instance instead of copying it; the tensors are freed when the last holder releases them.
 */
final class PastTensors {

    private final NDManager owner;
    private final NDList arrays;
    private final int length;
    private int holders = 1;

    private PastTensors(NDManager owner, NDList arrays, int length) {
        this.owner = owner;
        this.arrays = arrays;
        this.length = length;
    }

    /** The cache before the first step: every tensor has 0 positions. */
    static PastTensors empty(NDManager owner, int layers, OnnxConfig config) {
        NDList arrays = new NDList();
        for (int i = 0; i < 2 * layers; i++) {
            arrays.add(owner.create(new float[0], new Shape(1, config.kvHeads(), 0, config.headDim())));
        }
        return new PastTensors(owner, arrays, 0);
    }

    /** The present tensors of a run (after the logits), moved to {@code owner}. */
    static PastTensors present(NDManager owner, NDList outputs, int layers, int length) {
        NDList arrays = new NDList();
        for (int i = 1; i <= 2 * layers; i++) {
            NDArray present = outputs.get(i);
            if (present.getShape().dimension() != 4 || present.getShape().get(2) != length) {
                owner.close();
                throw new IllegalStateException("the program's output " + i + " (layer " + (i - 1) / 2 + " "
                        + ((i - 1) % 2 == 0 ? "key" : "value") + ") must be (batch, kv_heads, " + length
                        + ", head_dim), got " + present.getShape());
            }
            present.attach(owner);
            arrays.add(present);
        }
        return new PastTensors(owner, arrays, length);
    }

    /** Positions cached. */
    int length() {
        return length;
    }

    /** The tensors; valid while this instance is held. */
    NDList arrays() {
        return arrays;
    }

    /** One more holder: a beam continuing the same sequence. */
    PastTensors share() {
        holders++;
        return this;
    }

    void release() {
        if (--holders == 0) {
            owner.close();
        }
    }
}
