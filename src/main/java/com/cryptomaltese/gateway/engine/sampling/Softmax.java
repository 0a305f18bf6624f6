package com.cryptomaltese.gateway.engine.sampling;

import com.cryptomaltese.gateway.engine.BrokenModelException;

/**
 * Softmax and log-softmax over one row of scores, in double and shifted by the maximum for stability.
 * Scores of +Infinity (a score divided by a vanishing temperature or repetition penalty) take all the
 * probability, shared equally, as the softmax does in the limit; NaN scores are refused.
 */
final class Softmax {

    private Softmax() {
    }

    /** Probabilities; -Infinity scores get probability 0. */
    static double[] probabilities(float[] scores) {
        float max = max(scores);
        double[] p = new double[scores.length];
        if (max == Float.POSITIVE_INFINITY) {
            double share = 1.0 / count(scores, max);
            for (int i = 0; i < scores.length; i++) {
                p[i] = scores[i] == max ? share : 0;
            }
            return p;
        }
        double sum = 0;
        for (int i = 0; i < scores.length; i++) {
            p[i] = Math.exp((double) scores[i] - max);
            sum += p[i];
        }
        for (int i = 0; i < p.length; i++) {
            p[i] /= sum;
        }
        return p;
    }

    /** {@code log_softmax} rounded to float32, as transformers' beam search computes it on float32 logits. */
    static float[] logProbabilities(float[] scores) {
        float max = max(scores);
        float[] out = new float[scores.length];
        if (max == Float.POSITIVE_INFINITY) {
            float share = (float) -Math.log(count(scores, max));
            for (int i = 0; i < scores.length; i++) {
                out[i] = scores[i] == max ? share : Float.NEGATIVE_INFINITY;
            }
            return out;
        }
        double sum = 0;
        for (float s : scores) {
            sum += Math.exp((double) s - max);
        }
        double logSum = max + Math.log(sum);
        for (int i = 0; i < scores.length; i++) {
            out[i] = (float) (scores[i] - logSum);
        }
        return out;
    }

    private static float max(float[] scores) {
        float max = Float.NEGATIVE_INFINITY;
        for (float s : scores) {
            if (Float.isNaN(s)) {
                throw BrokenModelException.nanScores();
            }
            max = Math.max(max, s);
        }
        if (max == Float.NEGATIVE_INFINITY) {
            throw new IllegalArgumentException("every score is -Infinity: nothing left to choose");
        }
        return max;
    }

    private static int count(float[] scores, float value) {
        int n = 0;
        for (float s : scores) {
            n += s == value ? 1 : 0;
        }
        return n;
    }
}
