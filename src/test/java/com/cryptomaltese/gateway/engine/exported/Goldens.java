package com.cryptomaltese.gateway.engine.exported;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;

import com.cryptomaltese.gateway.engine.GenerationParams;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * The golden values transformers computed for the fixture models (tools/fixtures/make_models.py),
 * read for the tests of models exported from them.
 */
public final class Goldens {

    public static final Path MODELS = Path.of("src/test/resources/fixtures/models").toAbsolutePath();

    private Goldens() {
    }

    /** golden.json of the fixture model {@code name}. */
    public static JsonNode golden(String name) {
        try {
            return new ObjectMapper().readTree(MODELS.resolve(name).resolve("golden.json").toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Every GenerationParams of these tests is made here. */
    public static GenerationParams params(double temperature, int topK, double topP, int maxNew,
                                          double repetitionPenalty, boolean doSample, int beams, double lengthPenalty,
                                          boolean earlyStopping, Long seed) {
        return new GenerationParams(temperature, topK, topP, maxNew, repetitionPenalty, doSample, beams, lengthPenalty,
                earlyStopping, seed);
    }

    /** A golden run's generate() kwargs; what they leave out keeps transformers' default. */
    public static GenerationParams params(JsonNode kwargs) {
        return params(1.0, 0, 1.0, kwargs.get("max_new_tokens").asInt(), kwargs.path("repetition_penalty").asDouble(1.0),
                false, kwargs.path("num_beams").asInt(1), kwargs.path("length_penalty").asDouble(1.0),
                kwargs.path("early_stopping").asBoolean(false), null);
    }

    public static int[] ints(JsonNode array) {
        int[] out = new int[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = array.get(i).asInt();
        }
        return out;
    }

    public static float[] floats(JsonNode array) {
        float[] out = new float[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = (float) array.get(i).asDouble();
        }
        return out;
    }

    /** The prompt ids a golden run started from. */
    public static int[] prompt(JsonNode golden, JsonNode run) {
        return ints(golden.at("/prompts/" + run.get("prompt").asText() + "/ids"));
    }

    /** The eos ids a golden run stopped at (a number or a list). */
    public static Set<Integer> eos(JsonNode run) {
        Set<Integer> eos = new HashSet<>();
        JsonNode node = run.at("/kwargs/eos_token_id");
        if (node.isInt()) {
            eos.add(node.asInt());
        }
        node.forEach(id -> eos.add(id.asInt()));
        return eos;
    }

    public static double maxDiff(float[] actual, float[] expected) {
        assertThat(actual).hasSameSizeAs(expected);
        double max = 0;
        for (int i = 0; i < actual.length; i++) {
            max = Math.max(max, Math.abs(actual[i] - expected[i]));
        }
        return max;
    }
}
