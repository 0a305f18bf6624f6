package com.cryptomaltese.gateway.engine.arch;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.SplittableRandom;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The in-place cache against plain Java arrays of everything appended: across block growth, for a
 * prompt longer than a block, and for a fork that continues apart from its original.
 */
class KvCacheTest {

    static final int HEADS = 2;
    static final int HEAD_DIM = 3;
    static final int MAX = 600;
    static NDManager manager;

    @BeforeAll
    static void engine() {
        manager = NDManager.newBaseManager();
    }

    @AfterAll
    static void release() {
        manager.close();
    }

    /** Expected contents, [layer][kind][head][position][dim], filled as positions are appended. */
    static final class Mirror {
        final float[][][][][] data = new float[2][2][HEADS][MAX][HEAD_DIM];

        /** A (HEADS, count, HEAD_DIM) block of random values for each layer and kind, recorded at {@code start}. */
        NDArray[][] next(SplittableRandom random, int start, int count, NDManager step) {
            NDArray[][] arrays = new NDArray[2][2];
            for (int layer = 0; layer < 2; layer++) {
                for (int kind = 0; kind < 2; kind++) {
                    float[] flat = new float[HEADS * count * HEAD_DIM];
                    for (int h = 0; h < HEADS; h++) {
                        for (int p = 0; p < count; p++) {
                            for (int d = 0; d < HEAD_DIM; d++) {
                                float v = (float) random.nextDouble(-1, 1);
                                flat[(h * count + p) * HEAD_DIM + d] = v;
                                data[layer][kind][h][start + p][d] = v;
                            }
                        }
                    }
                    arrays[layer][kind] = step.create(flat, new Shape(HEADS, count, HEAD_DIM));
                }
            }
            return arrays;
        }

        void assertHolds(int layer, NDArray[] views, int length) {
            for (int kind = 0; kind < 2; kind++) {
                assertThat(views[kind].getShape()).isEqualTo(new Shape(HEADS, length, HEAD_DIM));
                float[] flat = views[kind].toFloatArray();
                for (int h = 0; h < HEADS; h++) {
                    for (int p = 0; p < length; p++) {
                        for (int d = 0; d < HEAD_DIM; d++) {
                            assertThat(flat[(h * length + p) * HEAD_DIM + d])
                                    .as("layer %d kind %d head %d position %d", layer, kind, h, p)
                                    .isEqualTo(data[layer][kind][h][p][d]);
                        }
                    }
                }
            }
        }
    }

    /** Appends {@code count} positions to both layers and checks the whole cached sequence. */
    static void appendAndCheck(KvCache cache, Mirror mirror, SplittableRandom random, int count) {
        try (NDManager step = manager.newSubManager()) {
            int start = cache.length();
            NDArray[][] added = mirror.next(random, start, count, step);
            for (int layer = 0; layer < 2; layer++) {
                NDArray[] views = cache.append(layer, added[layer][0], added[layer][1], step);
                mirror.assertHolds(layer, views, start + count);
            }
            cache.advance(count);
        }
    }

    @Test
    void keepsEveryPositionAcrossBlockGrowth() {
        SplittableRandom random = new SplittableRandom(7);
        Mirror mirror = new Mirror();
        try (NDManager sequence = manager.newSubManager();
             KvCache cache = new KvCache(sequence, 2, HEADS, HEAD_DIM, MAX)) {
            appendAndCheck(cache, mirror, random, 5); // a prompt
            while (cache.length() < 2 * KvCache.BLOCK + 10) {
                appendAndCheck(cache, mirror, random, 1); // decode steps, growing twice
            }
            assertThat(cache.length()).isEqualTo(2 * KvCache.BLOCK + 10);
        }
    }

    @Test
    void takesAPromptLongerThanABlockAndStopsGrowingAtTheModelsPositions() {
        SplittableRandom random = new SplittableRandom(8);
        Mirror mirror = new Mirror();
        try (NDManager sequence = manager.newSubManager();
             KvCache cache = new KvCache(sequence, 2, HEADS, HEAD_DIM, MAX)) {
            appendAndCheck(cache, mirror, random, KvCache.BLOCK + 44);
            appendAndCheck(cache, mirror, random, MAX - cache.length() - 1);
            appendAndCheck(cache, mirror, random, 1);
            assertThat(cache.length()).isEqualTo(MAX);
        }
    }

    @Test
    void forkContinuesApartFromItsOriginal() {
        SplittableRandom random = new SplittableRandom(9);
        Mirror original = new Mirror();
        try (NDManager sequence = manager.newSubManager();
             KvCache cache = new KvCache(sequence, 2, HEADS, HEAD_DIM, MAX)) {
            appendAndCheck(cache, original, random, 10);
            Mirror forked = new Mirror();
            for (int l = 0; l < 2; l++) {
                for (int k = 0; k < 2; k++) {
                    for (int h = 0; h < HEADS; h++) {
                        for (int p = 0; p < 10; p++) {
                            forked.data[l][k][h][p] = original.data[l][k][h][p].clone();
                        }
                    }
                }
            }
            try (KvCache fork = cache.fork()) {
                appendAndCheck(fork, forked, random, 1);
                appendAndCheck(cache, original, random, 1); // same position, other values
                appendAndCheck(fork, forked, random, KvCache.BLOCK);
                appendAndCheck(cache, original, random, 1);
            }
        }
    }
}
