package com.cryptomaltese.gateway.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.when;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;

import com.cryptomaltese.gateway.chat.ChatProcessor;
import com.cryptomaltese.gateway.chat.ChatRequest;
import com.cryptomaltese.gateway.metrics.ChatMetrics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.camel.Exchange;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.DefaultExchange;
import org.junit.jupiter.api.Test;

/**
 * A streamed chat whose generation dies half-way of an Error (out of direct memory) ends with an
 * error event, not as a stream that looks complete. The chat processor stands in for a model that
 * fails so: no engine fails on cue.
 */
class ChatStreamsTest {

    @Test
    void anErrorAfterTheFirstPieceEndsTheStreamWithAnErrorEvent() throws Exception {
        ChatProcessor chats = mock(ChatProcessor.class);
        when(chats.stream(any(), any())).thenAnswer(call -> {
            Consumer<String> onText = call.getArgument(1);
            onText.accept("Once");
            throw new OutOfMemoryError("Direct buffer memory");
        });
        ApiJson json = new ApiJson();
        ChatStreams streams = new ChatStreams(chats, json, new ApiReply(json), new ChatMetrics(new SimpleMeterRegistry()));
        try (DefaultCamelContext camel = new DefaultCamelContext()) {
            Exchange exchange = new DefaultExchange(camel);
            exchange.getMessage().setBody(new ChatRequest("hi", null, null, null, null, null, null, true));

            streams.open(exchange);

            String events = new String(exchange.getMessage().getBody(InputStream.class).readAllBytes(),
                    StandardCharsets.UTF_8);
            assertThat(events).isEqualTo("event: token\ndata: {\"text\":\"Once\"}\n\n"
                    + "event: error\ndata: {\"status\":\"error\",\"message\":\"" + ApiErrorResponder.INTERNAL
                    + "\",\"details\":[]}\n\n");
        } finally {
            streams.stop();
        }
    }
}
