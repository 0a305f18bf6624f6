package com.cryptomaltese.gateway.api;

import java.time.Instant;
import java.util.List;

import com.cryptomaltese.gateway.hub.DownloadProgress;
import com.cryptomaltese.gateway.hub.ModelMetadata;
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
            @Schema(allowableValues = {"available", "downloading", "loading", "loaded", "error"}) String status,
            @Schema(description = "From config.json: model type, architecture, layers") String description,
            @Schema(allowableValues = {"safetensors", "gguf", "onnx", "torchscript", "pytorch", "unknown"}) String format,
            @Schema(description = "The engine that runs it: djl-pytorch, djl-onnxruntime, djl-torchscript "
                    + "or llama.cpp (absent when none can)", example = "llama.cpp")
            String engine,
            @Schema(description = "How the weights are stored: for GGUF the tensor type holding most bytes, "
                    + "otherwise config.json's dtype (absent when unknown)", example = "Q8_0") String quantisation,
            @Schema(description = "Bytes on disk") long size,
            @Schema(example = "huggingface") String source,
            @Schema(description = "The snapshot commit in use: the gateway's last completed download, else refs/main, "
                    + "else the only snapshot") String revision,
            @Schema(description = "Effective generation parameters") GenerationSettings parameters,
            Instant loadedAt,
            @Schema(description = "Why the last load or download failed, or why the model's folder has no usable "
                    + "snapshot (status error)") String error,
            @Schema(description = "When the gateway downloaded it (absent for models put there otherwise)") Instant downloadedAt,
            @Schema(description = "Downloaded files with size and sha256 (absent for models put there otherwise)")
            List<ModelMetadata.FileRecord> files,
            @Schema(description = "The running or last download, if any since the gateway started") DownloadProgress download) {
    }

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    @JsonInclude(JsonInclude.Include.ALWAYS)
    @Schema(description = "A download accepted: it runs in the background; poll GET /api/v1/models/{model_id}")
    record DownloadStarted(
            @Schema(example = "downloading") String status,
            String message,
            @Schema(example = "HuggingFaceTB/SmolLM2-135M-Instruct") String modelId,
            @Schema(description = "Percent done, 0 to 100") double downloadProgress,
            @Schema(description = "Seconds left; null until a speed is known", nullable = true) Long estimatedTime,
            String format,
            @Schema(description = "The commit being downloaded (what requested_revision resolved to)") String revision,
            @Schema(description = "The branch, tag or commit asked for", example = "main") String requestedRevision,
            long bytesDownloaded,
            long bytesTotal,
            @Schema(description = "True when this request joined a download already running") boolean joined) {
    }

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    @Schema(description = "Result of a delete: a download cancelled or a model removed from disk")
    record ModelDeleted(@Schema(example = "success") String status, String message, String modelId) {
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
            @Schema(requiredMode = Schema.RequiredMode.REQUIRED, example = "HuggingFaceTB/SmolLM2-135M-Instruct",
                    description = "Hub model id; for GGUF it may end with :<quant>, e.g. org/name-GGUF:Q4_K_M")
            String modelName,
            @Schema(allowableValues = {"safetensors", "gguf", "pytorch", "onnx"}, example = "safetensors") String modelFormat,
            @Schema(description = "Branch, tag or commit sha (also refs/pr/<n>); letters, digits, '.', '_', '-', '/', "
                    + "at most 128 characters, no '..'", example = "main", defaultValue = "main") String revision,
            @Schema(description = "Hub token for gated or private repositories; never stored or logged") String authToken) {

        @Override
        public String toString() {
            return "DownloadRequest[modelName=" + modelName + ", modelFormat=" + modelFormat + ", revision=" + revision
                    + ", authToken=" + (authToken == null ? "none" : "***") + "]";
        }
    }

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    @JsonInclude(JsonInclude.Include.ALWAYS)
    @Schema(description = "Liveness and the model in memory")
    record Health(@Schema(example = "healthy") String status, Instant timestamp, String version,
                  boolean modelLoaded, @Schema(nullable = true) String loadedModel, long uptimeSeconds) {
    }
}
