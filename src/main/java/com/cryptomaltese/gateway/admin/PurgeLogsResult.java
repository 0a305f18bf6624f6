package com.cryptomaltese.gateway.admin;

import java.util.List;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import io.swagger.v3.oas.annotations.media.Schema;

@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
@Schema(description = "What a log purge deleted")
public record PurgeLogsResult(
        @Schema(example = "success") String status,
        long filesRemoved,
        @Schema(description = "Bytes deleted from disk") long spaceFreed,
        @Schema(description = "Names of the deleted files") List<String> removedFiles,
        int olderThanDays,
        int keepLatestFiles,
        @Schema(description = "The streams purged, named as log_levels names them (warning, not warn)")
        List<String> logLevels) {
}
