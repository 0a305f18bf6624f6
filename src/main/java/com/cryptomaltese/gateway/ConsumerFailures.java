package com.cryptomaltese.gateway;

import org.apache.camel.Exchange;
import org.apache.camel.spi.ExceptionHandler;

/** A Camel consumer's exception handler that decides in one place, whatever Camel passes it. */
public interface ConsumerFailures extends ExceptionHandler {

    @Override
    default void handleException(Throwable exception) {
        handleException(null, null, exception);
    }

    @Override
    default void handleException(String message, Throwable exception) {
        handleException(message, null, exception);
    }

    /** {@code exchange} is null when the failure belongs to no exchange (a poll that failed as a whole). */
    @Override
    void handleException(String message, Exchange exchange, Throwable exception);
}
