package com.cryptomaltese.gateway.engine;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Everything that steers one generation, with Hugging Face {@code generate()} meanings.
 * {@code maxLength} counts newly generated tokens (transformers' {@code max_new_tokens}); {@code seed},
 * when not null, makes sampling reproducible.
 * <p>
 * {@code eosTokenIds} and {@code padTokenId}, when not null, replace the model's own ids (from its
 * generation_config.json or config.json), as the same {@code generate()} arguments do in transformers.
 * A generation of one sequence ends at the first of the eos ids; the pad id only fills sequences that
 * finished while others of a batch still run, so with one sequence (and one returned beam) it never
 * appears in the output and changes nothing.
 * <p>
 * {@code stopStrings} (OpenAI's {@code stop}) end the reply before the first place one of them appears
 * in its text; none by default.
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
        Long seed,
        List<Integer> eosTokenIds,
        Integer padTokenId,
        List<String> stopStrings) {

    public GenerationParams {
        eosTokenIds = eosTokenIds == null ? null : List.copyOf(eosTokenIds);
        stopStrings = stopStrings == null ? List.of() : List.copyOf(stopStrings);
    }

    /** Without stop strings. */
    public GenerationParams(double temperature, int topK, double topP, int maxLength, double repetitionPenalty,
                            boolean doSample, int numBeams, double lengthPenalty, boolean earlyStopping, Long seed,
                            List<Integer> eosTokenIds, Integer padTokenId) {
        this(temperature, topK, topP, maxLength, repetitionPenalty, doSample, numBeams, lengthPenalty, earlyStopping,
                seed, eosTokenIds, padTokenId, List.of());
    }

    /** The sampling and search settings alone: the model's own eos and pad ids apply. */
    public GenerationParams(double temperature, int topK, double topP, int maxLength, double repetitionPenalty,
                            boolean doSample, int numBeams, double lengthPenalty, boolean earlyStopping, Long seed) {
        this(temperature, topK, topP, maxLength, repetitionPenalty, doSample, numBeams, lengthPenalty, earlyStopping,
                seed, null, null);
    }

    /** These parameters with other eos and pad ids; null keeps the model's. */
    public GenerationParams withSpecialTokens(List<Integer> eos, Integer pad) {
        return new GenerationParams(temperature, topK, topP, maxLength, repetitionPenalty, doSample, numBeams,
                lengthPenalty, earlyStopping, seed, eos, pad, stopStrings);
    }

    /** These parameters with other stop strings. */
    public GenerationParams withStopStrings(List<String> stops) {
        return new GenerationParams(temperature, topK, topP, maxLength, repetitionPenalty, doSample, numBeams,
                lengthPenalty, earlyStopping, seed, eosTokenIds, padTokenId, stops);
    }

    /** These parameters with another limit of new tokens. */
    public GenerationParams withMaxLength(int newTokens) {
        return new GenerationParams(temperature, topK, topP, newTokens, repetitionPenalty, doSample, numBeams,
                lengthPenalty, earlyStopping, seed, eosTokenIds, padTokenId, stopStrings);
    }

    /** The ids that end this generation: the override when given, else {@code modelEos}. */
    public Set<Integer> eosOr(Set<Integer> modelEos) {
        return eosTokenIds == null ? modelEos : new LinkedHashSet<>(eosTokenIds);
    }
}
