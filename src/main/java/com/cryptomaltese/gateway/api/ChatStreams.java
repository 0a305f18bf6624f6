package com.cryptomaltese.gateway.api;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.Function;

import com.cryptomaltese.gateway.chat.ChatProcessor;
import com.cryptomaltese.gateway.chat.ChatRequest;
import com.cryptomaltese.gateway.chat.ChatResponse;
import com.cryptomaltese.gateway.metrics.ChatMetrics;
import jakarta.annotation.PreDestroy;
import org.apache.camel.Exchange;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * The REST channel's streamed replies ({@code "stream": true}): the chat runs on a thread of its own
 * and sends each piece of text as a {@code token} event, then the usual reply as a {@code done} event,
 * while the web server writes the events out as they come. The OpenAI-compatible channel streams
 * through the same machinery with events of its own ({@link ReplyEvents}, {@link OpenAiChunks}).
 *
 * <p>The response begins only with the first piece of text: until then a refusal (validation, no model,
 * a prompt too long, the deadline) is the usual JSON error with its status code. A failure after that
 * can only be told in the stream, as an {@code error} event, and the conversation keeps nothing of the
 * turn, as with the same failure unstreamed. A client that goes away while the reply is generated ends
 * the generation at its next piece, and the turn is not kept either. The events wait in memory for the
 * client, never the other way round: the model answers one chat at a time and is not held by a slow
 * reader, so a reply generated in full is kept whether or not the client reads it to its end.
 */
@Component
public class ChatStreams {

    private static final Logger log = LoggerFactory.getLogger(ChatStreams.class);

    /** One thread per streamed chat; {@link ChatAdmission} bounds how many there are. */
    private final ExecutorService generations = Executors.newCachedThreadPool(new ThreadFactory() {
        private final AtomicInteger count = new AtomicInteger();

        @Override
        public Thread newThread(Runnable task) {
            Thread thread = new Thread(task, "chat-stream-" + count.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        }
    });

    private final ChatProcessor chats;
    private final ApiJson json;
    private final ApiReply reply;
    private final ChatMetrics metrics;

    ChatStreams(ChatProcessor chats, ApiJson json, ApiReply reply, ChatMetrics metrics) {
        this.chats = chats;
        this.json = json;
        this.reply = reply;
        this.metrics = metrics;
    }

    /** A piece of the reply's text, as a {@code token} event carries it. */
    record Piece(String text) {
    }

    /** How one stream tells its reply: the events for a piece of text, the whole reply, a failure. */
    interface ReplyEvents {

        /** The channel the stream's chats are counted under ({@link ChatMetrics}). */
        String channel();

        void piece(ServerSentEvents events, String text);

        void done(ServerSentEvents events, ChatResponse response);

        void failed(ServerSentEvents events, ApiException failure);
    }

    /** The gateway's own events: {@code token}, {@code done} (the usual reply), {@code error} (the error shape). */
    private final ReplyEvents gatewayEvents = new ReplyEvents() {
        @Override
        public String channel() {
            return ChatMetrics.API;
        }

        @Override
        public void piece(ServerSentEvents events, String text) {
            events.send("token", json.write(new Piece(text)));
        }

        @Override
        public void done(ServerSentEvents events, ChatResponse response) {
            events.send("done", json.write(response));
        }

        @Override
        public void failed(ServerSentEvents events, ApiException failure) {
            events.send("error", json.write(ErrorBody.of(failure.getMessage(), failure.details())));
        }
    };

    /** Starts the chat in the exchange's body and makes the response its event stream, once it has begun. */
    public void open(Exchange exchange) {
        ChatRequest request = exchange.getMessage().getBody(ChatRequest.class);
        stream(exchange, onText -> chats.stream(request, onText), gatewayEvents);
    }

    /**
     * Runs {@code chat} (given where its pieces of text go) on a thread of its own and makes the
     * response the events {@code format} makes of them, once the first piece is there.
     */
    void stream(Exchange exchange, Function<Consumer<String>, ChatResponse> chat, ReplyEvents format) {
        ServerSentEvents events = new ServerSentEvents();
        CompletableFuture<Void> begun = new CompletableFuture<>();
        generations.execute(() -> answer(chat, format, events, begun));
        try {
            begun.get();
        } catch (ExecutionException e) {
            throw e.getCause() instanceof RuntimeException failure ? failure : new IllegalStateException(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            events.close();
            throw ApiException.unavailable("the gateway is stopping", null);
        }
        reply.stream(exchange, events);
    }

    private void answer(Function<Consumer<String>, ChatResponse> chat, ReplyEvents format, ServerSentEvents events,
                        CompletableFuture<Void> begun) {
        try {
            ChatResponse response = chat.apply(text -> {
                format.piece(events, text);
                begun.complete(null);
            });
            format.done(events, response);
            begun.complete(null);
        } catch (ServerSentEvents.Closed e) {
            log.debug("Streamed chat ended: the client went away");
            metrics.failed(format.channel(), ChatMetrics.CLIENT_GONE);
        } catch (RuntimeException e) {
            if (!begun.completeExceptionally(e)) {
                tellInStream(e, format, events);
            }
        } catch (Error e) {
            // Out of (direct) memory half-way: the stream must not end as if the reply were complete.
            if (!begun.completeExceptionally(new IllegalStateException("the streamed chat failed", e))) {
                tellInStream(e, format, events);
            }
            throw e;
        } finally {
            events.end();
            begun.completeExceptionally(new IllegalStateException("the streamed chat ended without a reply"));
        }
    }

    private void tellInStream(Throwable failure, ReplyEvents format, ServerSentEvents events) {
        ApiException api = ApiException.in(failure);
        if (api == null) {
            log.error("Unexpected failure in a streamed chat", failure);
            api = new ApiException(500, ApiErrorResponder.INTERNAL, List.of(), null);
        }
        // Before the first piece a failure is the route's to answer, and counted there.
        metrics.failed(format.channel(), api.status());
        try {
            format.failed(events, api);
        } catch (ServerSentEvents.Closed gone) {
            log.debug("Streamed chat failed after the client went away: {}", api.getMessage());
        }
    }

    @PreDestroy
    void stop() {
        generations.shutdown();
    }
}
