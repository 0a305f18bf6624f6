package com.cryptomaltese.gateway.api;

import com.cryptomaltese.gateway.ConsumerFailures;
import com.cryptomaltese.gateway.Failures;
import org.apache.camel.Exchange;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;
import org.springframework.web.context.request.async.AsyncRequestNotUsableException;

/**
 * What the REST consumers cannot write back (restConfiguration's {@code exceptionHandler}). Almost
 * always the client went away: a streamed chat closed before its end, a caller that gave up. That is
 * part of the protocol, one debug line; Camel's own handler wrote a warning and some forty lines of
 * stack trace each time. Anything else is a warning with its stack trace.
 */
@Component("responseWriteFailures")
class ResponseWriteFailures implements ConsumerFailures {

    private static final Logger log = LoggerFactory.getLogger(ResponseWriteFailures.class);

    @Override
    public void handleException(String message, Exchange exchange, Throwable exception) {
        if (clientWentAway(exception)) {
            log.debug("Response not written, the client went away: {}", Failures.oneLine(exception));
        } else {
            log.warn("Response not written: {}", Failures.oneLine(exception), exception);
        }
    }

    /**
     * Spring reports a failed write on an asynchronous request as {@link AsyncRequestNotUsableException};
     * Tomcat's own is a {@code ClientAbortException}, an IOException.
     */
    static boolean clientWentAway(Throwable failure) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            if (cause instanceof AsyncRequestNotUsableException
                    || cause.getClass().getName().equals("org.apache.catalina.connector.ClientAbortException")) {
                return true;
            }
            if (cause.getCause() == cause) {
                break;
            }
        }
        return false;
    }
}
