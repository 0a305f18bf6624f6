package com.cryptomaltese.gateway.engine.sampling;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.random.RandomGenerator;
import java.util.random.RandomGeneratorFactory;

import org.junit.jupiter.api.Test;

import com.cryptomaltese.gateway.engine.GenerationParams;

/** The gateway's own decisions around transformers' semantics (the golden tests cover the rest). */
class DecodingTest {

    private static final RandomGenerator RANDOM = RandomGeneratorFactory.of("L64X128MixRandom").create(3);

    private static GenerationParams params(double temperature, boolean doSample, int numBeams) {
        return new GenerationParams(temperature, 2, 0.5, 16, 1.0, doSample, numBeams, 1.0, false, null);
    }

    @Test
    void decodingFollowsDoSampleAndNumBeams() {
        assertThat(Decoding.of(params(0.7, true, 1))).isEqualTo(Decoding.SAMPLE);
        assertThat(Decoding.of(params(0.7, false, 1))).isEqualTo(Decoding.GREEDY);
        assertThat(Decoding.of(params(0.7, false, 4))).isEqualTo(Decoding.BEAM_SEARCH);
    }

    @Test
    void temperatureZeroWithSamplingIsGreedyWithoutWarpers() {
        GenerationParams cold = params(0.0, true, 1);
        assertThat(Decoding.of(cold)).isEqualTo(Decoding.GREEDY);
        float[] scores = {1f, 3f, 2f, 3f};
        LogitsPipeline.of(cold).process(new int[] {0}, scores);
        assertThat(scores).as("top_k=2 / top_p=0.5 not applied").containsExactly(1f, 3f, 2f, 3f);
        assertThat(TokenSampler.of(cold, RANDOM).choose(scores)).isEqualTo(1);
        // and with beams it is plain beam search rather than beam sampling
        assertThat(Decoding.of(params(0.0, true, 3))).isEqualTo(Decoding.BEAM_SEARCH);
    }

    @Test
    void beamSamplingIsRefusedNamingNumBeams() {
        assertThatThrownBy(() -> Decoding.of(params(0.7, true, 3)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("num_beams");
        assertThatThrownBy(() -> LogitsPipeline.of(params(0.7, true, 3)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("num_beams");
    }

    @Test
    void invalidValuesFailFastWithTheValue() {
        assertThatThrownBy(() -> Decoding.of(params(-0.1, true, 1))).hasMessageContaining("temperature").hasMessageContaining("-0.1");
        assertThatThrownBy(() -> Decoding.of(params(0.7, false, 0))).hasMessageContaining("num_beams");
        assertThatThrownBy(() -> new RepetitionPenalty(0)).hasMessageContaining("repetition_penalty");
        assertThatThrownBy(() -> new TopP(1.5)).hasMessageContaining("top_p");
        assertThatThrownBy(() -> new TopK(0)).hasMessageContaining("top_k");
        assertThatThrownBy(() -> new RepetitionPenalty(1.3).process(new int[] {9}, new float[4]))
                .hasMessageContaining("9");
    }

    @Test
    void beamSearchNeedsABeamSearchDecoding() {
        assertThatThrownBy(() -> TokenSampler.of(params(0.7, false, 3), RANDOM)).hasMessageContaining("BeamSearch");
        assertThatThrownBy(() -> BeamSearch.run(new BigramStepper(new float[4][4], new int[] {1}, 1), new int[] {1},
                params(0.7, false, 1))).hasMessageContaining("num_beams");
    }
}
