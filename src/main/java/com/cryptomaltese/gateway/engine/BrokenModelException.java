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

    /** Scores that hold NaN: no token can be chosen from them, by sampling or by argmax. */
    public static BrokenModelException nanScores() {
        return new BrokenModelException("it computed scores that contain NaN, and nothing can be chosen from them; "
                + "its weights or configuration are broken");
    }
}
