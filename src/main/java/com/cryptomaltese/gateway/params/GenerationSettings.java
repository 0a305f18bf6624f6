package com.cryptomaltese.gateway.params;

import com.cryptomaltese.gateway.engine.GenerationParams;
import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import io.swagger.v3.oas.annotations.media.Schema;

/**
 * Generation parameters as they travel on the wire: every field optional, so the same shape
 * carries a complete set (defaults, {@code parameters_used}) and a partial one (a PUT, a chat's
 * per-request overrides). Bounds live in {@link Parameter}.
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
@JsonInclude(JsonInclude.Include.NON_NULL)
@Schema(description = "Generation parameters (Hugging Face generate() semantics); every field optional")
public record GenerationSettings(
        @Schema(description = "Softmax temperature, 0-2; 0 turns sampling off (greedy, or beam search with num_beams > 1)", minimum = "0", maximum = "2", example = "0.7")
        Double temperature,
        @Schema(description = "Keep the k most likely tokens, 1-100", minimum = "1", maximum = "100", example = "50")
        Integer topK,
        @Schema(description = "Nucleus sampling mass, 0-1", minimum = "0", maximum = "1", example = "0.9")
        Double topP,
        @Schema(description = "Maximum number of NEW tokens to generate (transformers' max_new_tokens), 1-2048",
                minimum = "1", maximum = "2048", example = "512")
        Integer maxLength,
        @Schema(description = "Penalty for repeated tokens, above 0 up to 2; 1 means none",
                minimum = "0", exclusiveMinimum = true, maximum = "2", example = "1.1")
        Double repetitionPenalty,
        @Schema(description = "Sample (true: repetition_penalty, temperature, top_k, top_p, then multinomial) or "
                + "decode greedily / by beam search (false: only repetition_penalty applies)", example = "true")
        Boolean doSample,
        @Schema(description = "Beam count for beam search, 1-10; beam search needs do_sample=false (beam sampling "
                + "is refused with 400)",
                minimum = "1", maximum = "10", example = "1")
        Integer numBeams,
        @Schema(description = "Beam-search length penalty exponent, 0-2", minimum = "0", maximum = "2", example = "1.0")
        Double lengthPenalty,
        @Schema(description = "Stop beam search when num_beams candidates are finished", example = "false")
        Boolean earlyStopping,
        @Schema(description = "Seed of the sampler, 0 to 2147483647: the same seed, parameters and message give the "
                + "same reply; no default (a fresh random sequence per chat)", minimum = "0", maximum = "2147483647",
                example = "42")
        Integer seed,
        @Schema(description = "End-of-sequence token id, or a list of them (any ends the reply), replacing the "
                + "model's own (generation_config.json, else config.json); each id 0 or more and, when chatting, "
                + "below the model's vocabulary size; no default (the model's: for GGUF, every end-of-generation "
                + "token of its vocabulary)",
                oneOf = {Integer.class, Integer[].class}, example = "2")
        TokenIds eosTokenId,
        @Schema(description = "Padding token id replacing the model's, 0 or more and, when chatting, below the "
                + "model's vocabulary size. It only fills sequences that finished while others still run: a reply "
                + "is one sequence, so it never changes the reply; no default (the model's)",
                minimum = "0", example = "0")
        Integer padTokenId) {

    public static final GenerationSettings NONE =
            new GenerationSettings(null, null, null, null, null, null, null, null, null, null, null, null);

    /** The sampling and search settings alone; the special token ids stay unset (the model's). */
    public GenerationSettings(Double temperature, Integer topK, Double topP, Integer maxLength,
                              Double repetitionPenalty, Boolean doSample, Integer numBeams, Double lengthPenalty,
                              Boolean earlyStopping, Integer seed) {
        this(temperature, topK, topP, maxLength, repetitionPenalty, doSample, numBeams, lengthPenalty, earlyStopping,
                seed, null, null);
    }

    /** This set with every field that {@code over} carries replaced by {@code over}'s value. */
    public GenerationSettings overlay(GenerationSettings over) {
        if (over == null) {
            return this;
        }
        return new GenerationSettings(
                over.temperature != null ? over.temperature : temperature,
                over.topK != null ? over.topK : topK,
                over.topP != null ? over.topP : topP,
                over.maxLength != null ? over.maxLength : maxLength,
                over.repetitionPenalty != null ? over.repetitionPenalty : repetitionPenalty,
                over.doSample != null ? over.doSample : doSample,
                over.numBeams != null ? over.numBeams : numBeams,
                over.lengthPenalty != null ? over.lengthPenalty : lengthPenalty,
                over.earlyStopping != null ? over.earlyStopping : earlyStopping,
                over.seed != null ? over.seed : seed,
                over.eosTokenId != null ? over.eosTokenId : eosTokenId,
                over.padTokenId != null ? over.padTokenId : padTokenId);
    }

    @JsonIgnore
    public boolean isEmpty() {
        return this.equals(NONE);
    }

    /** The engine's view; only valid on a complete set. */
    public GenerationParams toGenerationParams() {
        return new GenerationParams(temperature, topK, topP, maxLength, repetitionPenalty, doSample, numBeams,
                lengthPenalty, earlyStopping, seed == null ? null : seed.longValue(),
                eosTokenId == null ? null : eosTokenId.ids(), padTokenId);
    }
}
