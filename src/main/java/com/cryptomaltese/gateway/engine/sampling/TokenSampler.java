package com.cryptomaltese.gateway.engine.sampling;

import java.util.random.RandomGenerator;

import com.cryptomaltese.gateway.engine.BrokenModelException;
import com.cryptomaltese.gateway.engine.GenerationParams;

/** Chooses the next token from processed scores (after {@link LogitsPipeline}). */
@FunctionalInterface
public interface TokenSampler {

    int choose(float[] scores);

    /** Greedy for {@link Decoding#GREEDY}, multinomial with {@code random} for {@link Decoding#SAMPLE}. */
    static TokenSampler of(GenerationParams params, RandomGenerator random) {
        return switch (Decoding.of(params)) {
            case GREEDY -> greedy();
            case SAMPLE -> multinomial(random);
            case BEAM_SEARCH -> throw new IllegalArgumentException(
                    "num_beams > 1 (got " + params.numBeams() + ") needs BeamSearch, not a token sampler");
        };
    }

    /**
     * {@code torch.argmax}: the highest score, the lowest index among ties. Scores holding NaN are
     * refused (torch.argmax would take the NaN for the highest and choose a meaningless token).
     */
    static TokenSampler greedy() {
        return scores -> {
            int best = 0;
            for (int i = 0; i < scores.length; i++) {
                if (Float.isNaN(scores[i])) {
                    throw BrokenModelException.nanScores();
                }
                if (scores[i] > scores[best]) {
                    best = i;
                }
            }
            return best;
        };
    }

    /**
     * One draw from {@code softmax(scores)} ({@code torch.multinomial}); -Infinity scores are never drawn.
     * The random source is injected so that a seed reproduces a generation.
     */
    static TokenSampler multinomial(RandomGenerator random) {
        return scores -> {
            double[] probs = Softmax.probabilities(scores);
            double u = random.nextDouble();
            double cumulative = 0;
            int last = -1;
            for (int i = 0; i < probs.length; i++) {
                if (probs[i] > 0) {
                    cumulative += probs[i];
                    last = i;
                    if (u < cumulative) {
                        return i;
                    }
                }
            }
            if (last < 0) {
                throw new IllegalStateException("no token has a probability above 0");
            }
            return last; // u fell into the rounding gap below 1.0
        };
    }
}
