package com.cryptomaltese.gateway.engine;

/**
 * What a model computed cannot be used (scores that are NaN): its weights or configuration are
 * broken, not the request. The gateway answers 500 naming the model and the reason.
 */
public class ModelOutputException extends IllegalStateException {

    public ModelOutputException(String message) {
        super(message);
    }
}
