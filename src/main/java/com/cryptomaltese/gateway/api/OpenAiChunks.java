package com.cryptomaltese.gateway.api;

import java.nio.charset.StandardCharsets;
import java.util.List;

import com.cryptomaltese.gateway.api.OpenAiViews.OpenAiChunk;
import com.cryptomaltese.gateway.api.OpenAiViews.OpenAiChunkChoice;
import com.cryptomaltese.gateway.api.OpenAiViews.OpenAiDelta;
import com.cryptomaltese.gateway.api.OpenAiViews.OpenAiStreamError;
import com.cryptomaltese.gateway.api.OpenAiViews.OpenAiTextChoice;
import com.cryptomaltese.gateway.chat.ChatResponse;
import com.cryptomaltese.gateway.metrics.ChatMetrics;

/**
 * One streamed completion as OpenAI sends it: unnamed events whose data is a chunk, a piece of the
 * reply per chunk, then one with the finish reason, then the usage if asked for, and {@code [DONE]}.
 * A Chat Completion's chunks are {@code chat.completion.chunk}s with a {@code delta} (the role with the
 * first piece); a text completion's are {@code text_completion}s with a {@code text}. A failure after
 * the first piece is an event whose data is {@code {"error": {...}}}, which OpenAI's clients raise as
 * an error, and no {@code [DONE]}.
 */
final class OpenAiChunks implements ChatStreams.ReplyEvents {

    private static final byte[] DONE = "[DONE]".getBytes(StandardCharsets.UTF_8);
    private static final String CHAT_CHUNK = "chat.completion.chunk";
    private static final String TEXT_CHUNK = "text_completion";

    private final String id;
    private final long created;
    private final boolean chat;
    private final boolean includeUsage;
    private final ApiJson json;
    /** The model that answers: the one the request named, else the one loaded when it came; the reply's at the end. */
    private String model;
    private boolean begun;

    private OpenAiChunks(String id, long created, String model, boolean chat, boolean includeUsage, ApiJson json) {
        this.id = id;
        this.created = created;
        this.model = model;
        this.chat = chat;
        this.includeUsage = includeUsage;
        this.json = json;
    }

    /** The chunks of a Chat Completion ({@code /openai/chat/completions}). */
    static OpenAiChunks chat(String id, long created, String model, boolean includeUsage, ApiJson json) {
        return new OpenAiChunks(id, created, model, true, includeUsage, json);
    }

    /** The chunks of a text completion ({@code /openai/completions}). */
    static OpenAiChunks text(String id, long created, String model, boolean includeUsage, ApiJson json) {
        return new OpenAiChunks(id, created, model, false, includeUsage, json);
    }

    @Override
    public String channel() {
        return ChatMetrics.OPENAI;
    }

    @Override
    public void piece(ServerSentEvents events, String text) {
        send(events, chat ? new OpenAiChunkChoice(0, new OpenAiDelta(begun ? null : "assistant", text), null)
                : new OpenAiTextChoice(text, 0, null, null));
        begun = true;
    }

    @Override
    public void done(ServerSentEvents events, ChatResponse response) {
        model = response.modelId();
        if (chat && !begun) {
            piece(events, ""); // an empty reply still names its role
        }
        send(events, chat ? new OpenAiChunkChoice(0, new OpenAiDelta(null, null), response.finishReason())
                : new OpenAiTextChoice("", 0, null, response.finishReason()));
        if (includeUsage) {
            events.send(json.write(new OpenAiChunk(id, chat ? CHAT_CHUNK : TEXT_CHUNK, created, model, List.of(),
                    OpenAiChat.usage(response))));
        }
        events.send(DONE);
    }

    @Override
    public void failed(ServerSentEvents events, ApiException failure) {
        events.send(json.write(new OpenAiStreamError(OpenAiChat.error(failure))));
    }

    private void send(ServerSentEvents events, Object choice) {
        events.send(json.write(new OpenAiChunk(id, chat ? CHAT_CHUNK : TEXT_CHUNK, created, model, List.of(choice), null)));
    }
}
