package com.cryptomaltese.gateway.api;

import java.time.Instant;
import java.util.List;

import com.cryptomaltese.gateway.params.GenerationSettings;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import io.swagger.v3.oas.annotations.media.Schema;

/** Wire shapes of the model operations. */
final class ModelViews {

    private ModelViews() {
    }

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    @JsonInclude(JsonInclude.Include.ALWAYS)
    @Schema(description = "The models on disk")
    record ModelList(List<ModelSummary> models,
                     @Schema(description = "Id of the model in memory", nullable = true) String loadedModel) {
    }

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    @JsonInclude(JsonInclude.Include.NON_NULL)
    @Schema(description = "A model on disk (Hugging Face cache layout under GATEWAY_DATA_DIR/models)")
    record ModelSummary(
            @Schema(example = "HuggingFaceTB/SmolLM2-135M-Instruct") String id,
            @Schema(example = "SmolLM2-135M-Instruct") String name,
            @Schema(allowableValues = {"available", "loading", "loaded", "error"}) String status,
            @Schema(description = "From config.json: model type, architecture, layers") String description,
            @Schema(allowableValues = {"safetensors", "gguf", "onnx", "pytorch", "unknown"}) String format,
            @Schema(description = "Bytes on disk") long size,
            @Schema(example = "huggingface") String source,
            @Schema(description = "The snapshot commit in use (refs/main)") String revision,
            @Schema(description = "Effective generation parameters") GenerationSettings parameters,
            Instant loadedAt,
            @Schema(description = "Why the last load failed (status error)") String error) {
    }

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    @Schema(description = "Result of a load")
    record ModelLoaded(@Schema(example = "success") String status, String message, String modelId, String engine,
                       Instant loadedAt) {
    }

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    @Schema(description = "Result of an unload")
    record ModelUnloaded(@Schema(example = "success") String status, String message, String modelId) {
    }

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    @Schema(description = "A download from the Hugging Face Hub")
    record DownloadRequest(
            @Schema(requiredMode = Schema.RequiredMode.REQUIRED, example = "HuggingFaceTB/SmolLM2-135M-Instruct")
            String modelName,
            @Schema(allowableValues = {"safetensors", "gguf", "pytorch", "onnx"}, example = "safetensors") String modelFormat,
            @Schema(description = "Hub token for gated or private repositories; never stored or logged") String authToken) {
    }

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    @JsonInclude(JsonInclude.Include.ALWAYS)
    @Schema(description = "Liveness and the model in memory")
    record Health(@Schema(example = "healthy") String status, Instant timestamp, String version,
                  boolean modelLoaded, @Schema(nullable = true) String loadedModel, long uptimeSeconds) {
    }
}
