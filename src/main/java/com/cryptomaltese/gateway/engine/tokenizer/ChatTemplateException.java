package com.cryptomaltese.gateway.engine.tokenizer;

/**
 * A chat template could not be rendered. {@link #raisedByTemplate()} is true when the template itself
 * refused the conversation through {@code raise_exception(...)} (for example "Conversation roles must
 * alternate"): that is the caller's input, so the gateway answers 400; otherwise the template is broken
 * or uses a feature we do not support, which is a 500.
 */
public class ChatTemplateException extends RuntimeException {

    private final boolean raisedByTemplate;

    public ChatTemplateException(String message, boolean raisedByTemplate) {
        super(message);
        this.raisedByTemplate = raisedByTemplate;
    }

    public boolean raisedByTemplate() {
        return raisedByTemplate;
    }
}
