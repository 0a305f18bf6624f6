package com.cryptomaltese.gateway.engine.tokenizer;

import com.cryptomaltese.gateway.engine.ChatMessage;
import java.io.IOException;
import java.time.Clock;
import java.util.List;
import java.util.Optional;

/**
 * Decides how a conversation becomes the prompt of one model: through its chat template when it has one,
 * otherwise (base models such as stories260K) the last message's text as is.
 */
public final class PromptBuilder {

    private final Optional<ChatTemplate> template;

    private PromptBuilder(Optional<ChatTemplate> template) {
        this.template = template;
    }

    public static PromptBuilder forModel(TokenizerSettings settings) {
        return forModel(settings, Clock.systemDefaultZone());
    }

    public static PromptBuilder forModel(TokenizerSettings settings, Clock clock) {
        return new PromptBuilder(settings.chatTemplate().map(t -> ChatTemplate.of(t, settings.specialTokens(), clock)));
    }

    /**
     * Renders a one-message conversation: a template that cannot render it, or renders it as nothing,
     * fails every chat, so a model with one is refused at load. A template refusing it by {@code raise_exception} (it wants
     * a system message, say) is the template's right, not a fault.
     */
    public void check() throws IOException {
        try {
            if (build(List.of(ChatMessage.user("Hello"))).text().isBlank()) {
                // {% if false %}…, or a filter Jinjava does not know: every chat would have an empty prompt.
                throw new IOException("the chat template renders a one-message conversation as an empty prompt");
            }
        } catch (ChatTemplateException e) {
            if (!e.raisedByTemplate()) {
                throw new IOException("the chat template cannot be rendered: " + e.getMessage(), e);
            }
        }
    }

    /** True when prompts come from the model's chat template, false when the message text is used as is. */
    public boolean usesChatTemplate() {
        return template.isPresent();
    }

    /**
     * The prompt for the next assistant turn.
     *
     * @throws IllegalArgumentException if there are no messages
     * @throws ChatTemplateException    if the template rejects the conversation or fails
     */
    public Prompt build(List<ChatMessage> messages) {
        if (messages.isEmpty()) {
            throw new IllegalArgumentException("A prompt needs at least one message");
        }
        return template
                .map(t -> new Prompt(t.render(messages, true), false))
                .orElseGet(() -> new Prompt(messages.get(messages.size() - 1).content(), true));
    }
}
