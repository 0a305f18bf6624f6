package com.cryptomaltese.gateway.engine.sampling;

/** Softmax and log-softmax over one row of scores, in double and shifted by the maximum for stability. */
final class Softmax {

    private Softmax() {
    }

    /** Probabilities; -Infinity scores get probability 0. */
    static double[] probabilities(float[] scores) {
        float max = max(scores);
        double[] p = new double[scores.length];
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
        double sum = 0;
        for (float s : scores) {
            sum += Math.exp((double) s - max);
        }
        double logSum = max + Math.log(sum);
        float[] out = new float[scores.length];
        for (int i = 0; i < scores.length; i++) {
            out[i] = (float) (scores[i] - logSum);
        }
        return out;
    }

    private static float max(float[] scores) {
        float max = Float.NEGATIVE_INFINITY;
        for (float s : scores) {
            max = Math.max(max, s);
        }
        if (max == Float.NEGATIVE_INFINITY) {
            throw new IllegalArgumentException("every score is -Infinity: nothing left to choose");
        }
        return max;
    }
}
