package com.cryptomaltese.gateway.engine.sampling;

/**
 * transformers' {@code TemperatureLogitsWarper}: scores divided by the temperature (in float32, as
 * torch divides a float32 tensor). A temperature so small that the best score divided by it overflows
 * (or that is 0 in float32) gets the limit of the division as the temperature goes to 0: all the
 * probability on the best score(s), nothing on the others. transformers has no such limit: there,
 * softmax then yields NaN and sampling fails; here, {@code temperature: 1e-30} samples as greedy does.
 */
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
        float max = Float.NEGATIVE_INFINITY;
        for (float s : scores) {
            max = Math.max(max, s);
        }
        if (max > Float.NEGATIVE_INFINITY && (t == 0f || Float.isInfinite(max / t))) {
            for (int i = 0; i < scores.length; i++) {
                scores[i] = scores[i] == max ? 0f : Float.NEGATIVE_INFINITY;
            }
            return;
        }
        for (int i = 0; i < scores.length; i++) {
            scores[i] = scores[i] / t;
        }
    }
}
