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
        GenerationSettings parameters) {
}
