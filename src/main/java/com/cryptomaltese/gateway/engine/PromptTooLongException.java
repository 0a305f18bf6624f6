package com.cryptomaltese.gateway.engine;

/** The prompt does not fit the model's context; the gateway answers 400 naming the message. */
public class PromptTooLongException extends RuntimeException {

    private final int promptTokens;
    private final int maxTokens;

    public PromptTooLongException(int promptTokens, int maxTokens) {
        super("the prompt has " + promptTokens + " tokens; the model takes at most " + maxTokens);
        this.promptTokens = promptTokens;
        this.maxTokens = maxTokens;
    }

    public int promptTokens() {
        return promptTokens;
    }

    public int maxTokens() {
        return maxTokens;
    }
}
