package com.cryptomaltese.gateway.engine.sampling;

import com.cryptomaltese.gateway.engine.GenerationParams;

/** The processors transformers' {@code _get_logits_processor} builds for our parameters, in its order. */
public final class LogitsPipeline {

    private LogitsPipeline() {
    }

    /**
     * Repetition penalty (unless 1.0), then, only when sampling: temperature (unless 1.0), top-k
     * (unless 0), top-p (unless 1.0). Greedy and beam search get the penalty alone, as in transformers.
     */
    public static LogitsProcessor of(GenerationParams params) {
        LogitsProcessor pipeline = LogitsProcessor.NONE;
        if (params.repetitionPenalty() != 1.0) {
            pipeline = pipeline.andThen(new RepetitionPenalty(params.repetitionPenalty()));
        }
        if (Decoding.of(params) == Decoding.SAMPLE) {
            if (params.temperature() != 1.0) {
                pipeline = pipeline.andThen(new Temperature(params.temperature()));
            }
            if (params.topK() < 0) {
                throw new IllegalArgumentException("top_k must be >= 0, got " + params.topK());
            }
            if (params.topK() != 0) {
                pipeline = pipeline.andThen(new TopK(params.topK()));
            }
            if (params.topP() < 1.0) {
                pipeline = pipeline.andThen(new TopP(params.topP()));
            }
        }
        return pipeline;
    }
}
