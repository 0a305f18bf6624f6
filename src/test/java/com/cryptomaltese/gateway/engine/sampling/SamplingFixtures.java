package com.cryptomaltese.gateway.engine.sampling;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/** Reads the golden JSON written by tools/fixtures/sampling_golden.py (transformers' own outputs). */
final class SamplingFixtures {

    private SamplingFixtures() {
    }

    static JsonNode load(String name) {
        try (InputStream in = SamplingFixtures.class.getResourceAsStream("/fixtures/sampling/" + name)) {
            if (in == null) {
                throw new IllegalStateException("missing fixture " + name + "; run tools/fixtures/sampling_golden.py");
            }
            return new ObjectMapper().readTree(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Stream<JsonNode> cases(String name) {
        return StreamSupport.stream(load(name).get("cases").spliterator(), false);
    }

    /** Floats of a JSON array; the script writes -Infinity as the string "-inf" to keep the JSON strict. */
    static float[] floats(JsonNode array) {
        float[] out = new float[array.size()];
        for (int i = 0; i < out.length; i++) {
            JsonNode v = array.get(i);
            out[i] = v.isTextual() && v.asText().equals("-inf") ? Float.NEGATIVE_INFINITY : (float) v.asDouble();
        }
        return out;
    }

    static int[] ints(JsonNode array) {
        return IntStream.range(0, array.size()).map(i -> array.get(i).asInt()).toArray();
    }
}
