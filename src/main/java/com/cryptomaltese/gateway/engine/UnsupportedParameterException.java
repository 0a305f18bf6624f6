package com.cryptomaltese.gateway.engine;

/**
 * A generation parameter the loaded model's engine cannot honour (e.g. more beams than llama.cpp's KV
 * cache holds).
 * The gateway answers 400 naming the parameter; the engine refuses rather than silently decoding
 * differently from what was asked.
 */
public class UnsupportedParameterException extends RuntimeException {

    private final String parameter;

    /**
     * @param parameter the parameter's wire name, e.g. {@code num_beams}
     * @param problem   why it is refused, as a sentence fragment following the name
     */
    public UnsupportedParameterException(String parameter, String problem) {
        super(problem);
        this.parameter = parameter;
    }

    public String parameter() {
        return parameter;
    }
}
