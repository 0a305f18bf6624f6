package com.cryptomaltese.gateway.engine.sampling;

import static com.cryptomaltese.gateway.engine.sampling.SamplingFixtures.floats;
import static com.cryptomaltese.gateway.engine.sampling.SamplingFixtures.ints;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.stream.Stream;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import com.cryptomaltese.gateway.engine.GenerationParams;
import com.fasterxml.jackson.databind.JsonNode;

/** Each processor, and the pipeline built from GenerationParams, against transformers' outputs. */
class LogitsProcessorGoldenTest {

    static Stream<Arguments> processorCases() {
        return SamplingFixtures.cases("processors.json").map(c -> Arguments.of(
                c.get("processor").asText() + "=" + c.get("value").asText() + " on " + c.get("logitsName").asText(), c));
    }

    static Stream<Arguments> pipelineCases() {
        return SamplingFixtures.cases("pipeline.json").map(c -> Arguments.of(
                c.get("params") + " on " + c.get("logitsName").asText(), c));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("processorCases")
    void processorMatchesTransformers(String name, JsonNode c) {
        double value = c.get("value").asDouble();
        LogitsProcessor processor = switch (c.get("processor").asText()) {
            case "repetition_penalty" -> new RepetitionPenalty(value);
            case "temperature" -> new Temperature(value);
            case "top_k" -> new TopK((int) value);
            case "top_p" -> new TopP(value);
            default -> throw new IllegalArgumentException(c.get("processor").asText());
        };
        assertProcessed(processor, c);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("pipelineCases")
    void pipelineMatchesTransformersOrderAndChoices(String name, JsonNode c) {
        JsonNode p = c.get("params");
        GenerationParams params = new GenerationParams(p.get("temperature").asDouble(), p.get("top_k").asInt(),
                p.get("top_p").asDouble(), 16, p.get("repetition_penalty").asDouble(), p.get("do_sample").asBoolean(),
                1, 1.0, false, null);
        assertProcessed(LogitsPipeline.of(params), c);
    }

    private static void assertProcessed(LogitsProcessor processor, JsonNode c) {
        float[] scores = floats(c.get("logits"));
        float[] expected = floats(c.get("expected"));
        processor.process(ints(c.get("inputIds")), scores);
        for (int i = 0; i < expected.length; i++) {
            if (expected[i] == Float.NEGATIVE_INFINITY) {
                assertThat(scores[i]).as("token %d filtered", i).isEqualTo(Float.NEGATIVE_INFINITY);
            } else {
                // float32 on both sides; the tolerance only absorbs a last-bit difference in division
                assertThat(scores[i]).as("token %d", i).isCloseTo(expected[i], org.assertj.core.data.Offset.offset(1e-6f));
            }
        }
    }
}
