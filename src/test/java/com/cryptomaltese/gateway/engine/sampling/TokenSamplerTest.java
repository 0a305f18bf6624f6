package com.cryptomaltese.gateway.engine.sampling;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.random.RandomGenerator;
import java.util.random.RandomGeneratorFactory;
import java.util.stream.IntStream;

import org.junit.jupiter.api.Test;

class TokenSamplerTest {

    private static final float NEG_INF = Float.NEGATIVE_INFINITY;

    @Test
    void greedyTakesTheHighestScoreAndTheLowestIndexOnTies() {
        assertThat(TokenSampler.greedy().choose(new float[] {-1f, 2.5f, 0.3f})).isEqualTo(1);
        assertThat(TokenSampler.greedy().choose(new float[] {0.1f, 3f, -2f, 3f})).isEqualTo(1);
        assertThat(TokenSampler.greedy().choose(new float[] {NEG_INF, -7f, NEG_INF})).isEqualTo(1);
    }

    @Test
    void theSameSeedDrawsTheSameSequence() {
        float[] scores = {0.5f, 1.5f, -0.25f, 1.0f, 0.0f};
        assertThat(draws(scores, 42, 50)).containsExactly(draws(scores, 42, 50));
        assertThat(draws(scores, 42, 50)).isNotEqualTo(draws(scores, 43, 50));
    }

    @Test
    void drawFrequenciesFollowTheSoftmax() {
        float[] scores = {1.0f, 2.0f, 0.0f, NEG_INF, 1.5f};
        double[] expected = Softmax.probabilities(scores); // e^(s - max) / sum, index 3 has probability 0
        int n = 200_000;
        int[] counts = new int[scores.length];
        for (int token : draws(scores, 7, n)) {
            counts[token]++;
        }
        assertThat(counts[3]).as("a filtered token is never drawn").isZero();
        for (int i = 0; i < scores.length; i++) {
            // binomial standard error at n=200k is below 0.0012; 0.005 leaves > 4 sigma
            assertThat(counts[i] / (double) n).as("token %d", i).isCloseTo(expected[i], within(0.005));
        }
        // the softmax itself, independently: e^1 : e^2 : e^0 : e^1.5
        double sum = Math.exp(1) + Math.exp(2) + 1 + Math.exp(1.5);
        assertThat(expected[1]).isCloseTo(Math.exp(2) / sum, within(1e-12));
    }

    @Test
    void aSingleSurvivingTokenIsAlwaysDrawn() {
        assertThat(draws(new float[] {NEG_INF, NEG_INF, 4f, NEG_INF}, 1, 100)).containsOnly(2);
    }

    private static int[] draws(float[] scores, long seed, int n) {
        RandomGenerator random = RandomGeneratorFactory.of("L64X128MixRandom").create(seed);
        TokenSampler sampler = TokenSampler.multinomial(random);
        return IntStream.range(0, n).map(i -> sampler.choose(scores)).toArray();
    }
}
