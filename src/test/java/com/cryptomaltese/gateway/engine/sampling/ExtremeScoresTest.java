package com.cryptomaltese.gateway.engine.sampling;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.random.RandomGeneratorFactory;
import java.util.stream.IntStream;

import org.junit.jupiter.api.Test;

/**
 * Temperatures and repetition penalties near 0 push scores past float32's range. transformers then
 * gets NaN probabilities and fails; here such scores take their limit, so that no parameter inside
 * its documented range can make the sampler return an impossible token (which crashed llama.cpp).
 */
class ExtremeScoresTest {

    private static final float INF = Float.POSITIVE_INFINITY;
    private static final float NEG_INF = Float.NEGATIVE_INFINITY;

    @Test
    void aTemperatureWhoseDivisionOverflowsLeavesOnlyTheBestScores() {
        for (double t : new double[] {1e-300, 1e-40, 1e-38}) {
            float[] scores = {-2f, 3.5f, 0f, 3.5f, NEG_INF};
            new Temperature(t).process(new int[0], scores);
            assertThat(scores).as("t=%s", t).containsExactly(NEG_INF, 0f, NEG_INF, 0f, NEG_INF);
        }
        float[] negative = {-9f, -4f, -4.5f};
        new Temperature(1e-300).process(new int[0], negative);
        assertThat(negative).containsExactly(NEG_INF, 0f, NEG_INF);
    }

    @Test
    void anOrdinaryTemperatureDividesInFloat32() {
        float[] scores = {1f, -2f, 0f};
        new Temperature(0.7).process(new int[0], scores);
        assertThat(scores).containsExactly(1f / 0.7f, -2f / 0.7f, 0f);
    }

    @Test
    void aVanishingRepetitionPenaltyMakesNoNaN() {
        float[] scores = {2f, 0f, -3f, NEG_INF, 1f};
        new RepetitionPenalty(1e-300).process(new int[] {0, 1, 2, 3}, scores);
        assertThat(scores[0]).isEqualTo(INF); // 2 / smallest float
        assertThat(scores[1]).isZero(); // 0 / p, not 0 / 0
        assertThat(scores[2]).isEqualTo(-3f * Float.MIN_VALUE);
        assertThat(scores[3]).isEqualTo(NEG_INF); // -inf * p, not -inf * 0
        assertThat(scores[4]).isEqualTo(1f); // not in the sequence
    }

    @Test
    void infiniteScoresShareAllTheProbability() {
        float[] scores = {INF, 5f, INF, NEG_INF};
        assertThat(Softmax.probabilities(scores)).containsExactly(0.5, 0, 0.5, 0);
        assertThat(Softmax.logProbabilities(scores)).containsExactly((float) -Math.log(2), NEG_INF, (float) -Math.log(2), NEG_INF);
        var random = RandomGeneratorFactory.of("L64X128MixRandom").create(3);
        TokenSampler sampler = TokenSampler.multinomial(random);
        assertThat(IntStream.range(0, 1000).map(i -> sampler.choose(scores)).distinct().sorted().toArray())
                .containsExactly(0, 2);
    }

    @Test
    void nanScoresAreRefusedNotSampled() {
        float[] scores = {1f, Float.NaN, 2f};
        var random = RandomGeneratorFactory.of("L64X128MixRandom").create(3);
        assertThatThrownBy(() -> TokenSampler.multinomial(random).choose(scores))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("NaN");
        assertThatThrownBy(() -> Softmax.logProbabilities(scores)).hasMessageContaining("NaN");
    }
}
