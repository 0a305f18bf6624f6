package com.cryptomaltese.gateway.engine.sampling;

/** transformers' {@code TemperatureLogitsWarper}: scores divided by the temperature. */
public record Temperature(double temperature) implements LogitsProcessor {

    public Temperature {
        if (!(temperature > 0)) {
            // 0 is handled before a pipeline is built (see Decoding); here it would divide by zero.
            throw new IllegalArgumentException("temperature must be > 0, got " + temperature);
        }
    }

    @Override
    public void process(int[] tokenIds, float[] scores) {
        float t = (float) temperature;
        for (int i = 0; i < scores.length; i++) {
            scores[i] = scores[i] / t;
        }
    }
}
