package com.cryptomaltese.gateway.chat;

import java.time.Instant;

import com.cryptomaltese.gateway.params.GenerationSettings;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import io.swagger.v3.oas.annotations.media.Schema;

/** The model's answer and how it was produced. */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
@Schema(description = "The model's reply")
public record ChatResponse(
        String response,
        String modelId,
        @Schema(description = "Exactly the parameters this generation ran with") GenerationSettings parametersUsed,
        @Schema(description = "Why generation stopped", allowableValues = {"stop", "length"}) String finishReason,
        Usage usage,
        @Schema(description = "Seconds spent answering") double processingTime,
        Instant timestamp) {

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record Usage(int promptTokens, int completionTokens) {
    }
}
