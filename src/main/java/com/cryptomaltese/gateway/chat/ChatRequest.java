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
        @Schema(description = "Keep a conversation under this id: earlier turns are part of the prompt "
                + "(an alternative to user_id + channel)", example = "support-4711")
        String conversationId,
        @Schema(description = "Keep a conversation per user of a channel (with channel)", example = "alice")
        String userId,
        @Schema(description = "The channel user_id belongs to: api, telegram, mail, …", example = "api")
        String channel,
        @Schema(description = "Forget the conversation's earlier turns before answering", example = "false")
        Boolean reset) {

    /** A single message without conversation memory. */
    public static ChatRequest of(String message, GenerationSettings parameters) {
        return new ChatRequest(message, null, parameters, null, null, null, null);
    }

    /** A message of a channel user, answered within that user's conversation. */
    public static ChatRequest fromChannel(String channel, String userId, String message) {
        return new ChatRequest(message, null, null, null, userId, channel, null);
    }
}
