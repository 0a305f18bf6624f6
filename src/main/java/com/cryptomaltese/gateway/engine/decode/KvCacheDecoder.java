package com.cryptomaltese.gateway.engine.decode;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.cryptomaltese.gateway.engine.arch.DecoderModel;
import com.cryptomaltese.gateway.engine.arch.KvCache;

/** A {@link DecoderModel} as a {@link Decoder}: each sequence's state is its {@link KvCache}. */
final class KvCacheDecoder implements Decoder {

    private final DecoderModel model;

    KvCacheDecoder(DecoderModel model) {
        this.model = model;
    }

    @Override
    public DecoderState newState(NDManager manager) {
        return new CachedState(model.newCache(manager));
    }

    @Override
    public int maxPositions() {
        return model.maxPositions();
    }

    @Override
    public int vocabSize() {
        return model.vocabSize();
    }

    @Override
    public long weightBytes() {
        return model.weightBytes();
    }

    @Override
    public void close() {
        model.close();
    }

    private final class CachedState implements DecoderState {

        private final KvCache cache;

        CachedState(KvCache cache) {
            this.cache = cache;
        }

        @Override
        public NDArray forward(int[] tokens, NDManager step) {
            return model.forward(tokens, cache, step);
        }

        @Override
        public DecoderState fork() {
            return new CachedState(cache.fork());
        }

        @Override
        public void close() {
            cache.close();
        }
    }
}
