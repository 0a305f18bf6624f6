package com.cryptomaltese.gateway.engine;

/**
 * Chooses the next token from the logits of the last position, given every token so far (prompt
 * included), as transformers' logits processors and sampler see them.
 */
@FunctionalInterface
public interface TokenSelector {

    int select(int[] tokens, float[] logits);

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
        static final TokenSelector INSTANCE = (tokens, logits) -> {
            int best = 0;
            for (int i = 1; i < logits.length; i++) {
                if (logits[i] > logits[best]) {
                    best = i;
                }
            }
            return best;
        };

        private Greedy() {
        }
    }
}
