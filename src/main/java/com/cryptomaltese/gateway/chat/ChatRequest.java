package com.cryptomaltese.gateway.chat;

import com.cryptomaltese.gateway.params.GenerationSettings;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import io.swagger.v3.oas.annotations.media.Schema;

/** One chat turn from any channel. */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
@Schema(description = "A message for the loaded model")
public record ChatRequest(
        @Schema(description = "The user's message; 1 to 32768 characters (gateway.chat.max-message-chars)",
                requiredMode = Schema.RequiredMode.REQUIRED, example = "Write a haiku about Malta")
        String message,
        @Schema(description = "Model expected to answer (org/name); must be the loaded model when given",
                example = "HuggingFaceTB/SmolLM2-135M-Instruct")
        String modelId,
        @Schema(description = "Per-request generation parameters, over the model's stored ones")
        GenerationSettings parameters,
        @Schema(description = "Keep a conversation under this id: earlier turns are part of the prompt. "
                + "Alone, it names a conversation of its own, kept as user_id <id> of channel conversation "
                + "(export and erase it at /users/conversation/<id>); with user_id + channel, one of that user's "
                + "conversations (each kept apart, all found by the user's export and erasure)",
                example = "support-4711")
        String conversationId,
        @Schema(description = "Keep a conversation per user of a channel (with channel)", example = "alice")
        String userId,
        @Schema(description = "The channel user_id belongs to: api, or another of the caller's naming (1 to 32 of "
                + "a-z, 0-9, '_', '-'); not telegram or mail, whose conversations the gateway's own channels keep",
                example = "api")
        String channel,
        @Schema(description = "Forget the conversation's earlier turns before answering (carried out once the chat "
                + "is answered: a refused chat forgets nothing)", example = "false")
        Boolean reset,
        @Schema(description = "Send the reply as it is generated: text/event-stream with a token event per piece of "
                + "text ({\"text\": …}), then a done event holding this operation's usual JSON reply, or an error "
                + "event ({\"status\": \"error\", \"message\": …}) if the generation fails once the stream has begun. "
                + "A request refused before the first piece gets the usual JSON error and status code", example = "false")
        Boolean stream) {

    /** The channels the gateway runs itself: their conversations are written by their routes only. */
    public static final String TELEGRAM = "telegram";
    public static final String MAIL = "mail";

    /** Whether the reply is to be sent as it is generated. */
    public boolean streamed() {
        return Boolean.TRUE.equals(stream);
    }

    /** A single message without conversation memory. */
    public static ChatRequest of(String message, GenerationSettings parameters) {
        return new ChatRequest(message, null, parameters, null, null, null, null, null);
    }

    /**
     * A message of a channel user, answered within one of that user's conversations: a Telegram
     * chat, a mail thread.
     */
    public static ChatRequest fromChannel(String channel, String userId, String thread, String message) {
        return new ChatRequest(message, null, null, thread == null || thread.isEmpty() ? null : thread, userId,
                channel, null, null);
    }
}
