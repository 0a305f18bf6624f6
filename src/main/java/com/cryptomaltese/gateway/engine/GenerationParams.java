package com.cryptomaltese.gateway.engine;

/**
 * Everything that steers one generation, with Hugging Face {@code generate()} meanings.
 * {@code maxLength} counts newly generated tokens (transformers' {@code max_new_tokens}); {@code seed},
 * when not null, makes sampling reproducible.
 */
public record GenerationParams(
        double temperature,
        int topK,
        double topP,
        int maxLength,
        double repetitionPenalty,
        boolean doSample,
        int numBeams,
        double lengthPenalty,
        boolean earlyStopping,
        Long seed) {
}
