package com.cryptomaltese.gateway.metrics;

import java.time.Duration;

import com.cryptomaltese.gateway.api.ApiException;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import org.springframework.stereotype.Component;

/**
 * What the model did for every channel's chats, as llama.cpp's and TGI's servers count it: replies by
 * finish reason, prompt and completion tokens, generation time, and chats refused or failed by status.
 * Replies are counted where every channel passes (the chat processor); failures where each channel
 * answers them (the API's error responder and event streams, the Telegram and mail routes), so a
 * refusal before the processor (a body that is not JSON, the model busy) counts too.
 * Tokens per second over any window is {@code rate(maltese_completion_tokens_total)} over
 * {@code rate(maltese_chat_generation_seconds_sum)}.
 */
@Component
public class ChatMetrics {

    /** The channels as metrics name them: the gateway's own, and every caller-named API channel as api. */
    public static final String API = "api";
    public static final String OPENAI = "openai";
    /** An API chat route's channel, on its exchange, so that its error answers are counted under it. */
    public static final String CHANNEL = ChatMetrics.class.getName() + ".channel";
    /** A client that went away during its streamed reply (nginx's "client closed request"). */
    public static final int CLIENT_GONE = 499;

    private final MeterRegistry registry;

    public ChatMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    /** A reply generated in full. */
    public void answered(String channel, String model, String finishReason, int promptTokens, int completionTokens,
                         Duration generation) {
        Counter.builder("maltese.chat.replies").description("Replies generated in full, by finish reason")
                .tags("channel", channel, "model", model, "finish_reason", finishReason).register(registry).increment();
        Counter.builder("maltese.prompt.tokens").description("Prompt tokens of replies generated in full")
                .tags("channel", channel, "model", model).register(registry).increment(promptTokens);
        Counter.builder("maltese.completion.tokens").description("Tokens generated for replies generated in full")
                .tags("channel", channel, "model", model).register(registry).increment(completionTokens);
        Timer.builder("maltese.chat.generation").description("Time from a chat's start to its whole reply")
                .tags("channel", channel, "model", model).register(registry).record(generation);
    }

    /** A chat a channel answered with its failure instead of a reply: the API's status, else 500. */
    public void failedBy(String channel, Throwable failure) {
        ApiException api = ApiException.in(failure);
        failed(channel, api == null ? 500 : api.status());
    }

    /** A chat answered with an error status instead of a reply. */
    public void failed(String channel, int status) {
        Counter.builder("maltese.chat.failures").description("Chats refused or failed, by HTTP status")
                .tags("channel", channel, "status", Integer.toString(status)).register(registry).increment();
    }
}
