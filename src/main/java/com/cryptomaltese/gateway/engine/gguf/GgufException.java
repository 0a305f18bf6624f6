package com.cryptomaltese.gateway.engine.gguf;

import java.io.IOException;

/**
 * A GGUF file whose header cannot be trusted: wrong magic, unsupported version, counts or lengths
 * beyond the file, unknown types, tensors outside the data section. The message names the file and
 * the offending field, so it can be shown as is in a log or a model list warning.
 */
public class GgufException extends IOException {

    public GgufException(String message) {
        super(message);
    }
}
