package com.cryptomaltese.gateway.engine;

/**
 * A model that loaded cannot answer because of its own files, not the request: its scores are NaN
 * (broken weights or configuration), or its tokenizer gives the prompt a token its weights have no
 * row for. The gateway answers 500 naming the model and the reason.
 */
public class BrokenModelException extends IllegalStateException {

    public BrokenModelException(String message) {
        super(message);
    }
}
