package com.cryptomaltese.gateway.engine.decode;

import java.util.random.RandomGenerator;

import com.cryptomaltese.gateway.engine.GenerationParams;
import com.cryptomaltese.gateway.engine.sampling.LogitsPipeline;
import com.cryptomaltese.gateway.engine.sampling.LogitsProcessor;
import com.cryptomaltese.gateway.engine.sampling.TokenSampler;

/**
 * Chooses the next token from the logits of the last position, given every token so far (prompt
 * included), as transformers' logits processors and sampler see them.
 */
@FunctionalInterface
public interface TokenSelector {

    int select(int[] tokens, float[] logits);

    /** transformers' processors for {@code params}, then greedy choice or sampling with {@code random}. */
    static TokenSelector of(GenerationParams params, RandomGenerator random) {
        LogitsProcessor processors = LogitsPipeline.of(params);
        TokenSampler sampler = TokenSampler.of(params, random);
        return (tokens, logits) -> {
            processors.process(tokens, logits);
            return sampler.choose(logits);
        };
    }

    /** Highest logit; the lowest index wins a tie, as {@code torch.argmax}. */
    static TokenSelector greedy() {
        TokenSampler greedy = TokenSampler.greedy();
        return (tokens, logits) -> greedy.choose(logits);
    }
}
