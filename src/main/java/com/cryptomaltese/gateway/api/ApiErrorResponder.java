package com.cryptomaltese.gateway.api;

import java.util.List;

import com.cryptomaltese.gateway.metrics.ChatMetrics;
import org.apache.camel.Exchange;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * Turns whatever a REST route threw into the API's error shape. Called from the shared
 * {@code onException} in {@code routes/errors.yaml}; known failures keep their status and message,
 * anything else is logged with its stack and answered 500 without internals.
 */
@Component
public class ApiErrorResponder {

    private static final Logger log = LoggerFactory.getLogger(ApiErrorResponder.class);
    static final String INTERNAL = "internal error; the gateway log has the details";

    private final ApiReply reply;
    private final AuditLog audit;
    private final ChatMetrics metrics;

    ApiErrorResponder(ApiReply reply, AuditLog audit, ChatMetrics metrics) {
        this.reply = reply;
        this.audit = audit;
        this.metrics = metrics;
    }

    public void respond(Exchange exchange) {
        Throwable caught = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class);
        ApiException api = ApiException.in(caught);
        if (api == null) {
            log.error("Unexpected failure in route {}", exchange.getFromRouteId(), caught);
            api = new ApiException(500, INTERNAL, List.of(), null);
        }
        if (exchange.getProperty(AuditLog.TARGET) != null) {
            audit.failed(exchange, api.status());
        }
        String chatChannel = exchange.getProperty(ChatMetrics.CHANNEL, String.class);
        if (chatChannel != null) {
            metrics.failed(chatChannel, api.status());
        }
        boolean openAi = Boolean.TRUE.equals(exchange.getProperty(OpenAiChat.CHANNEL, Boolean.class));
        ErrorBody body = ErrorBody.of(api.getMessage(), api.details());
        reply.write(exchange.getMessage(), api.status(), openAi ? OpenAiViews.OpenAiErrorBody.of(body, api) : body);
        if (openAi && !OpenAiChat.worthRetrying(api.status())) {
            // OpenAI's clients retry 409 and 5xx unless told not to.
            exchange.getMessage().setHeader("x-should-retry", "false");
        }
        if (api.retryAfter() != null) {
            exchange.getMessage().setHeader("Retry-After", Math.max(1, api.retryAfter().toSeconds()));
        }
    }
}
