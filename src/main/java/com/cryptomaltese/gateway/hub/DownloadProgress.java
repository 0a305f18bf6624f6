package com.cryptomaltese.gateway.hub;

import java.time.Instant;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import io.swagger.v3.oas.annotations.media.Schema;

/** Where a download stands, as polled through GET /api/v1/models/{model_id}. */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
@JsonInclude(JsonInclude.Include.NON_NULL)
@Schema(description = "A Hub download: bytes done and total, speed, time left, the file being fetched")
public record DownloadProgress(
        @Schema(allowableValues = {"downloading", "completed", "error", "cancelled", "interrupted"},
                description = "interrupted: a gateway restart cut the download short; the same download request "
                        + "continues it from the bytes on disk") String status,
        @Schema(allowableValues = {"safetensors", "gguf", "onnx", "pytorch"}) String format,
        @Schema(description = "The commit the download resolved to; known once the file list is read") String revision,
        @Schema(description = "The branch, tag or commit requested", example = "main") String requestedRevision,
        long bytesDownloaded,
        @Schema(description = "Bytes of all files of the download") long bytesTotal,
        @Schema(description = "Percent done, 0 to 100") double downloadProgress,
        @Schema(description = "Bytes per second received over the last seconds; once finished, the "
                + "download's average") long speedBytesPerSecond,
        @Schema(description = "Seconds left at the current speed; absent while unknown") Long estimatedTime,
        @Schema(description = "A file being transferred now") String currentFile,
        int filesDone,
        int filesTotal,
        Instant startedAt,
        Instant finishedAt,
        @Schema(description = "Why the download failed (status error)") String error) {
}
