package com.cryptomaltese.gateway.engine.arch.llama;

/**
 * Rotary position embedding tables as transformers computes them: inverse frequencies
 * {@code 1 / theta^(2i/d)} (adjusted by the {@code llama3} scaling when configured), and for each
 * position the cos and sin of {@code position * inv_freq}, repeated over both halves of the head
 * ({@code cat(freqs, freqs)}), which is the layout {@code rotate_half} expects.
 */
final class Rope {

    private final float[] invFreq; // (head_dim / 2)
    private final int headDim;

    Rope(LlamaConfig config) {
        this.headDim = config.headDim();
        int half = headDim / 2;
        invFreq = new float[half];
        for (int i = 0; i < half; i++) {
            // float32 like torch: arange(0, d, 2).float() / d, then base ** that
            float exponent = (float) (2 * i) / headDim;
            invFreq[i] = (float) (1.0 / Math.pow(config.ropeTheta(), exponent));
        }
        if (config.ropeScaling() != null) {
            applyLlama3Scaling(config.ropeScaling());
        }
    }

    /** transformers' {@code _compute_llama3_parameters}. */
    private void applyLlama3Scaling(LlamaConfig.RopeScaling s) {
        double lowFreqWavelen = s.originalMaxPositions() / s.lowFreqFactor();
        double highFreqWavelen = s.originalMaxPositions() / s.highFreqFactor();
        for (int i = 0; i < invFreq.length; i++) {
            double freq = invFreq[i];
            double wavelen = 2 * Math.PI / freq;
            double scaled = wavelen > lowFreqWavelen ? freq / s.factor() : freq;
            if (!(wavelen < highFreqWavelen) && !(wavelen > lowFreqWavelen)) {
                double smooth = (s.originalMaxPositions() / wavelen - s.lowFreqFactor())
                        / (s.highFreqFactor() - s.lowFreqFactor());
                scaled = (1 - smooth) * scaled / s.factor() + smooth * scaled;
            }
            invFreq[i] = (float) scaled;
        }
    }

    /**
     * {cos, sin}, each (count, head_dim) row-major, for positions {@code start .. start+count-1};
     * sin is negated on the first half of each row, so that {@code rotate_half(x) * sin}, with
     * rotate_half = cat(-x2, x1), is the product of cat(x2, x1) with this table (the same products,
     * without a negation per call).
     */
    float[][] tables(int start, int count) {
        int half = headDim / 2;
        float[] cos = new float[count * headDim];
        float[] sin = new float[count * headDim];
        for (int p = 0; p < count; p++) {
            for (int i = 0; i < half; i++) {
                float angle = (start + p) * invFreq[i]; // float32 product, as torch's matmul of floats
                float c = (float) Math.cos(angle);
                float s = (float) Math.sin(angle);
                cos[p * headDim + i] = c;
                cos[p * headDim + half + i] = c;
                sin[p * headDim + i] = -s;
                sin[p * headDim + half + i] = s;
            }
        }
        return new float[][] {cos, sin};
    }
}
