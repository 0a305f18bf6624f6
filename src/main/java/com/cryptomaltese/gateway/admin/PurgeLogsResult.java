package com.cryptomaltese.gateway.admin;

import java.util.List;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import io.swagger.v3.oas.annotations.media.Schema;

@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
@Schema(description = "What a log purge deleted")
public record PurgeLogsResult(
        @Schema(description = "success, or partial when an archive could not be deleted (see not_removed)",
                allowableValues = {"success", "partial"}, example = "success") String status,
        long filesRemoved,
        @Schema(description = "Bytes deleted (the files' sizes)") long spaceFreed,
        @Schema(description = "Names of the deleted files") List<String> removedFiles,
        int olderThanDays,
        int keepLatestFiles,
        @Schema(description = "The streams purged, named as log_levels names them (warning, not warn)")
        List<String> logLevels,
        @Schema(description = "Archives that could not be deleted, as 'path inside the data directory: reason' (at "
                + "most 50, then how many more); empty on success") List<String> notRemoved) {
}
