package com.cryptomaltese.gateway.engine;

import java.time.Instant;
import java.util.List;
import java.util.function.Consumer;

/**
 * A model that passes every call to another; subclasses add to the calls they change (and tests watch
 * or hold them). The two {@code generate} methods are forwarded separately: a subclass that changes
 * one changes only the replies that go through it (whole, or streamed).
 */
public class ForwardingLanguageModel implements LanguageModel {

    protected final LanguageModel model;

    public ForwardingLanguageModel(LanguageModel model) {
        this.model = model;
    }

    @Override
    public GenerationResult generate(List<ChatMessage> messages, GenerationParams params, Instant deadline) {
        return model.generate(messages, params, deadline);
    }

    @Override
    public GenerationResult generate(List<ChatMessage> messages, GenerationParams params, Instant deadline,
                                     Consumer<String> onText) {
        return model.generate(messages, params, deadline, onText);
    }

    @Override
    public int contextLength() {
        return model.contextLength();
    }

    @Override
    public int vocabularySize() {
        return model.vocabularySize();
    }

    @Override
    public GenerationResult complete(String text, GenerationParams params, Instant deadline, Consumer<String> onText) {
        return model.complete(text, params, deadline, onText);
    }

    @Override
    public boolean rendersConversations() {
        return model.rendersConversations();
    }

    @Override
    public int promptTokens(List<ChatMessage> messages) {
        return model.promptTokens(messages);
    }

    @Override
    public long memoryBytes() {
        return model.memoryBytes();
    }

    @Override
    public void close() {
        model.close();
    }
}
