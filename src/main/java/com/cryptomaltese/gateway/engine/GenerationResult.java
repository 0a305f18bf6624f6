package com.cryptomaltese.gateway.engine;

/** What one generation produced, why it stopped, and how many tokens it took and made. */
public record GenerationResult(String text, FinishReason finishReason, int promptTokens, int completionTokens) {

    public enum FinishReason {
        /** the model produced an end-of-sequence token, or the reply reached a stop string */
        STOP,
        /** {@code max_length} new tokens were generated */
        LENGTH,
        /** the generation deadline passed */
        DEADLINE
    }
}
