package com.cryptomaltese.gateway.api;

import java.io.InputStream;

import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.springframework.stereotype.Component;

/**
 * Writes a route's result as the HTTP response: JSON body, status, and no other headers. Clearing
 * the headers matters: Camel would otherwise echo every request header (and the exchange's
 * internals) back to the client.
 */
@Component
public class ApiReply {

    private final ApiJson json;

    ApiReply(ApiJson json) {
        this.json = json;
    }

    public void ok(Exchange exchange) {
        write(exchange.getMessage(), 200, exchange.getMessage().getBody());
    }

    /**
     * A {@code text/event-stream} body, written chunked as it is read; {@code X-Accel-Buffering} tells
     * nginx not to buffer it, whatever its {@code proxy_buffering}.
     */
    void stream(Exchange exchange, InputStream events) {
        Message message = exchange.getMessage();
        message.removeHeaders("*");
        message.setHeader(Exchange.HTTP_RESPONSE_CODE, 200);
        message.setHeader(Exchange.CONTENT_TYPE, "text/event-stream;charset=utf-8");
        message.setHeader(Exchange.HTTP_CHUNKED, true);
        message.setHeader("X-Accel-Buffering", "no");
        message.setBody(events);
    }

    void write(Message message, int status, Object body) {
        message.removeHeaders("*");
        message.setHeader(Exchange.HTTP_RESPONSE_CODE, status);
        message.setHeader(Exchange.CONTENT_TYPE, "application/json");
        message.setBody(json.write(body));
    }
}
