package com.cryptomaltese.gateway.engine;

import java.time.Instant;
import java.util.List;
import java.util.function.Consumer;

/**
 * A model in memory, ready to answer. The gateway knows models only through this interface:
 * messages in (the model applies its own chat template), text out.
 */
public interface LanguageModel extends AutoCloseable {

    /**
     * Generates a reply. Implementations stop at end-of-sequence, at {@code params.maxLength()} new
     * tokens, or when {@code deadline} passes, and say which in the result.
     */
    GenerationResult generate(List<ChatMessage> messages, GenerationParams params, Instant deadline);

    /**
     * Generates a reply and hands its text to {@code onText} as it becomes final, in pieces whose
     * concatenation is the result's text. An exception thrown by {@code onText} ends the generation
     * and leaves this method (a reader that went away). This default hands over the whole text once
     * generated; engines that produce tokens one by one hand over each token's text.
     */
    default GenerationResult generate(List<ChatMessage> messages, GenerationParams params, Instant deadline,
                                      Consumer<String> onText) {
        GenerationResult result = generate(messages, params, deadline);
        if (!result.text().isEmpty()) {
            onText.accept(result.text());
        }
        return result;
    }

    /**
     * Continues {@code text} as it is, without a chat template (OpenAI's completions), handing the
     * reply's text to {@code onText} as {@link #generate(List, GenerationParams, Instant, Consumer)}
     * does ({@code onText} may be null). Engines that only take conversations refuse.
     */
    default GenerationResult complete(String text, GenerationParams params, Instant deadline, Consumer<String> onText) {
        throw new UnsupportedOperationException("this engine continues conversations only");
    }

    /** Tokens the model can attend to: prompt and reply together. */
    default int contextLength() {
        return Integer.MAX_VALUE;
    }

    /**
     * Token ids the model can produce (the rows of its output layer); eos and pad ids of a request
     * must lie below it. Engines that cannot tell answer {@code Integer.MAX_VALUE}.
     */
    default int vocabularySize() {
        return Integer.MAX_VALUE;
    }

    /**
     * Whether the prompt holds every message of a conversation: a chat template renders them all;
     * without one, the last message alone is the prompt (a base model continues text).
     */
    default boolean rendersConversations() {
        return true;
    }

    /** Tokens {@code messages} take as a prompt, so callers can fit a conversation into the context. */
    default int promptTokens(List<ChatMessage> messages) {
        return 0;
    }

    /** Bytes this model holds in memory (weights and caches), for the system status. */
    long memoryBytes();

    /** Frees the model's memory. */
    @Override
    void close();
}
