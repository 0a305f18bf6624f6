package com.cryptomaltese.gateway.api;

import java.nio.charset.StandardCharsets;
import java.util.List;

import com.cryptomaltese.gateway.api.OpenAiViews.OpenAiChunk;
import com.cryptomaltese.gateway.api.OpenAiViews.OpenAiChunkChoice;
import com.cryptomaltese.gateway.api.OpenAiViews.OpenAiDelta;
import com.cryptomaltese.gateway.api.OpenAiViews.OpenAiStreamError;
import com.cryptomaltese.gateway.chat.ChatResponse;

/**
 * One streamed Chat Completion as OpenAI sends it: unnamed events whose data is a
 * {@code chat.completion.chunk} (the role with the first piece, then a piece per chunk, then an empty
 * delta with the finish reason, then the usage if asked for), and {@code [DONE]}. A failure after the
 * first piece is an event whose data is {@code {"error": {...}}}, which OpenAI's clients raise as an
 * error, and no {@code [DONE]}.
 */
final class OpenAiChunks implements ChatStreams.ReplyEvents {

    private static final byte[] DONE = "[DONE]".getBytes(StandardCharsets.UTF_8);

    private final String id;
    private final long created;
    private final boolean includeUsage;
    private final ApiJson json;
    /** The model that answers: the one the request named, else the one loaded when it came; the reply's at the end. */
    private String model;
    private boolean begun;

    OpenAiChunks(String id, long created, String model, boolean includeUsage, ApiJson json) {
        this.id = id;
        this.created = created;
        this.model = model;
        this.includeUsage = includeUsage;
        this.json = json;
    }

    @Override
    public void piece(ServerSentEvents events, String text) {
        send(events, new OpenAiDelta(begun ? null : "assistant", text), null);
        begun = true;
    }

    @Override
    public void done(ServerSentEvents events, ChatResponse response) {
        model = response.modelId();
        if (!begun) {
            send(events, new OpenAiDelta("assistant", ""), null); // an empty reply still names its role
        }
        send(events, new OpenAiDelta(null, null), response.finishReason());
        if (includeUsage) {
            events.send(json.write(new OpenAiChunk(id, "chat.completion.chunk", created, model, List.of(),
                    OpenAiChat.usage(response))));
        }
        events.send(DONE);
    }

    @Override
    public void failed(ServerSentEvents events, ApiException failure) {
        events.send(json.write(new OpenAiStreamError(OpenAiChat.error(failure))));
    }

    private void send(ServerSentEvents events, OpenAiDelta delta, String finishReason) {
        events.send(json.write(new OpenAiChunk(id, "chat.completion.chunk", created, model,
                List.of(new OpenAiChunkChoice(0, delta, finishReason)), null)));
    }
}
