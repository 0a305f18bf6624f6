package com.cryptomaltese.gateway.engine.sampling;

import java.util.Arrays;

/**
 * transformers' {@code TopKLogitsWarper} with {@code min_tokens_to_keep=1}: every score below the k-th
 * highest becomes -Infinity. Scores tied with the k-th highest survive, so more than k may remain.
 */
public record TopK(int k) implements LogitsProcessor {

    public TopK {
        if (k < 1) {
            throw new IllegalArgumentException("top_k must be >= 1, got " + k);
        }
    }

    @Override
    public void process(int[] tokenIds, float[] scores) {
        float[] sorted = scores.clone();
        Arrays.sort(sorted);
        float kth = sorted[sorted.length - Math.min(k, sorted.length)];
        for (int i = 0; i < scores.length; i++) {
            if (scores[i] < kth) {
                scores[i] = Float.NEGATIVE_INFINITY;
            }
        }
    }
}
