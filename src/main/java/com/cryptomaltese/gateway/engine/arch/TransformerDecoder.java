package com.cryptomaltese.gateway.engine.arch;

import java.io.IOException;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;

/**
 * What every decoder-only architecture shares: its weights' manager, the cache shape, the position
 * limit and the causal mask. Subclasses write the forward pass.
 */
public abstract class TransformerDecoder implements DecoderModel {

    private final NDManager manager;
    private final int layers;
    private final int kvHeads;
    private final int headDim;
    private final int vocabSize;
    private final int maxPositions;
    private final long weightBytes;

    protected TransformerDecoder(NDManager manager, int layers, int kvHeads, int headDim, int vocabSize,
                                 int maxPositions, long weightBytes) {
        this.manager = manager;
        this.layers = layers;
        this.kvHeads = kvHeads;
        this.headDim = headDim;
        this.vocabSize = vocabSize;
        this.maxPositions = maxPositions;
        this.weightBytes = weightBytes;
    }

    /** Builds a model whose weights live in their own manager, closed again if the build fails. */
    @FunctionalInterface
    protected interface Build<M> {
        M build(NDManager manager) throws IOException;
    }

    protected static <M extends DecoderModel> M inOwnManager(NDManager parent, Build<M> build) throws IOException {
        NDManager manager = parent.newSubManager();
        try {
            return build.build(manager);
        } catch (IOException | RuntimeException e) {
            manager.close();
            throw e;
        }
    }

    /** The token ids as the int64 indices the embedding lookup takes, after checking they fit. */
    private long[] indices(int[] tokens, int start) {
        if (start + tokens.length > maxPositions) {
            throw new IllegalArgumentException("sequence of " + (start + tokens.length) + " tokens exceeds the model's "
                    + maxPositions + " positions");
        }
        long[] ids = new long[tokens.length];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = tokens[i];
        }
        return ids;
    }

    /**
     * The embedding rows of {@code tokens} at positions {@code start ..}, owned by {@code step}: a
     * single token's row is a view of the table (one call), several are gathered.
     */
    protected NDArray tokenRows(NDArray table, int[] tokens, int start, NDManager step) {
        long[] ids = indices(tokens, start);
        if (ids.length == 1) {
            return Ops.rows(table, ids[0], 1, step);
        }
        return table.get(step, new NDIndex("{}", step.create(ids)));
    }

    /**
     * (count, start+count), owned by {@code step}: 0 where query i (at position start+i) may see key
     * j, -inf elsewhere; with a sliding window (mistral) a key also needs {@code j > position - window},
     * as transformers. Null when nothing is hidden (a single new token within the window), as
     * adding zeros would change nothing.
     */
    protected static NDArray causalMask(int start, int count, int slidingWindow, NDManager step) {
        int seq = start + count;
        float[] mask = new float[count * seq];
        boolean hides = false;
        for (int i = 0; i < count; i++) {
            int position = start + i;
            for (int j = 0; j < seq; j++) {
                boolean future = j > position;
                boolean outsideWindow = slidingWindow > 0 && j <= position - slidingWindow;
                if (future || outsideWindow) {
                    mask[i * seq + j] = Float.NEGATIVE_INFINITY;
                    hides = true;
                }
            }
        }
        return hides ? step.create(mask, new Shape(count, seq)) : null;
    }

    @Override
    public KvCache newCache(NDManager owner) {
        return new KvCache(owner, layers, kvHeads, headDim, maxPositions);
    }

    @Override
    public int vocabSize() {
        return vocabSize;
    }

    @Override
    public int maxPositions() {
        return maxPositions;
    }

    @Override
    public long weightBytes() {
        return weightBytes;
    }

    @Override
    public void close() {
        manager.close();
    }
}
