package com.cryptomaltese.gateway.engine.tokenizer;

import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import java.time.Clock;
import java.time.LocalDateTime;

/** The globals transformers adds to every chat template: {@code raise_exception} and {@code strftime_now}. */
final class TemplateGlobals {

    /** Context key of the render's clock; Jinjava functions are static, so the clock travels in the context. */
    static final String CLOCK_KEY = "__maltese_clock";

    private TemplateGlobals() {
    }

    /** Thrown by {@code raise_exception}; Jinjava wraps it, ChatTemplate finds it in the cause chain. */
    static final class Raised extends RuntimeException {
        Raised(String message) {
            super(message);
        }
    }

    public static String raiseException(Object message) {
        throw new Raised(String.valueOf(message));
    }

    public static String strftimeNow(String format) {
        Clock clock = (Clock) JinjavaInterpreter.getCurrent().getContext().get(CLOCK_KEY);
        return PyStrftime.format(LocalDateTime.now(clock), format);
    }
}
