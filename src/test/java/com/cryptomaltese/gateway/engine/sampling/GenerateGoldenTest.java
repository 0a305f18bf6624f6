package com.cryptomaltese.gateway.engine.sampling;

import static com.cryptomaltese.gateway.engine.sampling.SamplingFixtures.floats;
import static com.cryptomaltese.gateway.engine.sampling.SamplingFixtures.ints;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.Arrays;
import java.util.random.RandomGenerator;
import java.util.stream.Stream;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import com.cryptomaltese.gateway.engine.GenerationParams;
import com.cryptomaltese.gateway.engine.GenerationResult.FinishReason;
import com.fasterxml.jackson.databind.JsonNode;

/**
 * Greedy decoding and beam search on the golden bigram model must produce exactly the ids that
 * transformers' {@code model.generate()} produced for the same table, prompt and parameters.
 */
class GenerateGoldenTest {

    private static final float[][] TABLE = table();

    static Stream<Arguments> cases() {
        return SamplingFixtures.cases("generate.json").map(c -> Arguments.of(c.get("name").asText(), c));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void sameIdsAsTransformersGenerate(String name, JsonNode c) {
        int[] prompt = ints(c.get("prompt"));
        int[] eos = c.get("eosTokenId").isNull() ? new int[0] : new int[] {c.get("eosTokenId").asInt()};
        GenerationParams params = new GenerationParams(1.0, 0, 1.0, c.get("maxNewTokens").asInt(),
                c.get("repetitionPenalty").asDouble(), false, c.get("numBeams").asInt(),
                c.get("lengthPenalty").asDouble(), c.get("earlyStopping").asBoolean(), null);
        int[] expected = ints(c.get("expectedNewTokens"));

        if (params.numBeams() == 1) {
            assertThat(greedy(prompt, params, eos)).containsExactly(expected);
            assertThat(expected).hasSize(c.get("expectedSteps").asInt());
            return;
        }
        BigramStepper stepper = new BigramStepper(TABLE, prompt, params.numBeams());
        BeamSearch.Result result = BeamSearch.run(stepper, prompt, params, eos);
        assertThat(result.tokens()).containsExactly(expected);
        // transformers' forward count: when the search stopped (early stopping, heuristic, limit)
        assertThat(stepper.logitsCalls).as("decoding steps").isEqualTo(c.get("expectedSteps").asInt());
        assertThat(stepper.parentsSeen).hasSize(stepper.logitsCalls - 1);
        assertThat(result.score()).isCloseTo((float) c.get("expectedScore").asDouble(), within(1e-5f));
        boolean endsOnEos = eos.length > 0 && expected.length > 0 && expected[expected.length - 1] == eos[0];
        assertThat(result.finishReason()).isEqualTo(endsOnEos ? FinishReason.STOP : FinishReason.LENGTH);
    }

    /** The loop the engine runs for one sequence: process, choose, stop at eos or the token limit. */
    private static int[] greedy(int[] prompt, GenerationParams params, int[] eos) {
        LogitsProcessor processors = LogitsPipeline.of(params);
        TokenSampler sampler = TokenSampler.of(params, RandomGenerator.of("L64X128MixRandom"));
        int[] ids = prompt.clone();
        for (int step = 0; step < params.maxLength(); step++) {
            float[] scores = TABLE[ids[ids.length - 1]].clone();
            processors.process(ids, scores);
            int token = sampler.choose(scores);
            ids = Arrays.copyOf(ids, ids.length + 1);
            ids[ids.length - 1] = token;
            if (Arrays.stream(eos).anyMatch(e -> e == token)) {
                break;
            }
        }
        return Arrays.copyOfRange(ids, prompt.length, ids.length);
    }

    private static float[][] table() {
        JsonNode rows = SamplingFixtures.load("generate.json").get("bigramTable");
        float[][] table = new float[rows.size()][];
        for (int i = 0; i < table.length; i++) {
            table[i] = floats(rows.get(i));
        }
        return table;
    }
}
