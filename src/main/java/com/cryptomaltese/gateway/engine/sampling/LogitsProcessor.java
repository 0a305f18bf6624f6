package com.cryptomaltese.gateway.engine.sampling;

/**
 * Rewrites the next-token scores of one sequence in place, like a Hugging Face {@code LogitsProcessor}.
 * {@code tokenIds} is everything the sequence holds so far, prompt included, because that is what
 * transformers passes as {@code input_ids} to decoder-only models.
 */
@FunctionalInterface
public interface LogitsProcessor {

    void process(int[] tokenIds, float[] scores);

    /** Leaves the scores as they are: the pipeline when every step is switched off. */
    LogitsProcessor NONE = (tokenIds, scores) -> { };

    default LogitsProcessor andThen(LogitsProcessor next) {
        return (tokenIds, scores) -> {
            process(tokenIds, scores);
            next.process(tokenIds, scores);
        };
    }
}
