package com.cryptomaltese.gateway.engine.sampling;

/**
 * transformers' {@code RepetitionPenaltyLogitsProcessor}: every distinct token already in the sequence
 * has its score divided by the penalty when positive and multiplied by it when negative, once however
 * often it occurs. Above 1 discourages repeats, below 1 encourages them.
 */
public record RepetitionPenalty(double penalty) implements LogitsProcessor {

    public RepetitionPenalty {
        if (!(penalty > 0)) {
            throw new IllegalArgumentException("repetition_penalty must be > 0, got " + penalty);
        }
    }

    @Override
    public void process(int[] tokenIds, float[] scores) {
        // torch applies a Python float to a float32 tensor in float32. A penalty below float32's smallest
        // value would be 0 there, and 0 * -Infinity or 0 / 0 would make NaN scores: it stays that smallest value.
        float p = Math.max((float) penalty, Float.MIN_VALUE);
        boolean[] done = new boolean[scores.length];
        for (int token : tokenIds) {
            if (token < 0 || token >= scores.length) {
                throw new IllegalArgumentException("token id " + token + " outside vocabulary of " + scores.length);
            }
            if (!done[token]) {
                done[token] = true;
                float s = scores[token];
                scores[token] = s < 0 ? s * p : s / p;
            }
        }
    }
}
