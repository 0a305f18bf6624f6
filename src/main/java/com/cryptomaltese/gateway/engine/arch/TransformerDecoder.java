package com.cryptomaltese.gateway.engine.arch;

import java.io.IOException;

import ai.djl.ndarray.NDManager;

/**
 * What every decoder-only architecture shares: its weights' manager, the cache shape, the position
 * limit and the causal mask. Subclasses write the forward pass.
 */
public abstract class TransformerDecoder implements DecoderModel {

    private final NDManager manager;
    private final int layers;
    private final int vocabSize;
    private final int maxPositions;
    private final long weightBytes;

    protected TransformerDecoder(NDManager manager, int layers, int vocabSize, int maxPositions, long weightBytes) {
        this.manager = manager;
        this.layers = layers;
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
    protected long[] indices(int[] tokens, int start) {
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
     * (count, start+count): 0 where query i (at position start+i) may see key j, -inf elsewhere.
     * With a sliding window (mistral) a key also needs {@code j > position - window}, as transformers.
     */
    protected static float[] causalMask(int start, int count, int slidingWindow) {
        int seq = start + count;
        float[] mask = new float[count * seq];
        for (int i = 0; i < count; i++) {
            int position = start + i;
            for (int j = 0; j < seq; j++) {
                boolean future = j > position;
                boolean outsideWindow = slidingWindow > 0 && j <= position - slidingWindow;
                mask[i * seq + j] = future || outsideWindow ? Float.NEGATIVE_INFINITY : 0f;
            }
        }
        return mask;
    }

    @Override
    public KvCache newCache(NDManager owner) {
        return new KvCache(owner, layers);
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
