package com.cryptomaltese.gateway.engine.decode;

import java.util.random.RandomGenerator;

import com.cryptomaltese.gateway.engine.GenerationParams;
import com.cryptomaltese.gateway.engine.sampling.Decoding;
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

    /**
     * transformers' processors for {@code params}, then greedy choice or sampling with
     * {@code random}. Plain greedy decoding (no processor changes the argmax) is {@link #greedy()}.
     */
    static TokenSelector of(GenerationParams params, RandomGenerator random) {
        LogitsProcessor processors = LogitsPipeline.of(params);
        if (processors == LogitsProcessor.NONE && Decoding.of(params) == Decoding.GREEDY) {
            return greedy();
        }
        TokenSampler sampler = TokenSampler.of(params, random);
        return (tokens, logits) -> {
            processors.process(tokens, logits);
            return sampler.choose(logits);
        };
    }

    /**
     * Highest logit; the lowest index wins a tie, as {@code torch.argmax}. Always the same
     * instance, which the {@link Generator} recognises to take the argmax inside the engine
     * instead of copying the whole vocabulary's logits out.
     */
    static TokenSelector greedy() {
        return Greedy.INSTANCE;
    }

    /** Holder of the one greedy selector. */
    final class Greedy {
        static final TokenSelector INSTANCE = (tokens, logits) -> TokenSampler.greedy().choose(logits);

        private Greedy() {
        }
    }
}
