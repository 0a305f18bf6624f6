package com.cryptomaltese.gateway.engine.sampling;

import java.util.Arrays;
import java.util.Comparator;
import java.util.stream.IntStream;

/**
 * transformers' {@code TopPLogitsWarper} (nucleus) with {@code min_tokens_to_keep=1}: scores sorted
 * ascending, softmax accumulated from the least likely token up, and every token whose cumulative
 * probability is still {@code <= 1 - top_p} becomes -Infinity; the most likely token always stays.
 */
public record TopP(double p) implements LogitsProcessor {

    public TopP {
        if (!(p >= 0 && p <= 1)) {
            throw new IllegalArgumentException("top_p must be within [0, 1], got " + p);
        }
    }

    @Override
    public void process(int[] tokenIds, float[] scores) {
        // Stable ascending order: among equal scores the lower index is dropped first. transformers'
        // torch.sort is not stable beyond 16 scores, so with exact ties at the cut-off the two may keep
        // different tokens of equal score (real logits hardly tie; flat or integer ones do).
        Integer[] order = IntStream.range(0, scores.length).boxed().toArray(Integer[]::new);
        Arrays.sort(order, Comparator.comparingDouble(i -> scores[i]));
        float[] sorted = new float[scores.length];
        for (int i = 0; i < sorted.length; i++) {
            sorted[i] = scores[order[i]];
        }
        double[] probs = Softmax.probabilities(sorted);
        // torch compares the float32 cumulative sum against the threshold cast to float32.
        float threshold = (float) (1 - p);
        double cumulative = 0;
        boolean[] remove = new boolean[scores.length];
        for (int i = 0; i < sorted.length - 1; i++) { // the last (most likely) token is always kept
            cumulative += probs[i];
            remove[i] = (float) cumulative <= threshold;
        }
        for (int i = 0; i < sorted.length; i++) {
            if (remove[i]) {
                scores[order[i]] = Float.NEGATIVE_INFINITY;
            }
        }
    }
}
