package com.cryptomaltese.gateway.admin;

import java.util.List;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import io.swagger.v3.oas.annotations.media.ArraySchema;
import io.swagger.v3.oas.annotations.media.Schema;

/** Which rolled log files to delete; every field optional (defaults from gateway.logs.*). */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
@Schema(description = "Log purge: deletes rolled files older than older_than_days, beyond the newest keep_latest_files of each stream")
public record PurgeLogsRequest(
        @Schema(description = "Only files last written more than this many days ago; 0 = any age", minimum = "0", example = "7")
        Integer olderThanDays,
        @Schema(description = "Rolled files of each stream always kept, newest first", minimum = "0", example = "5")
        Integer keepLatestFiles,
        @ArraySchema(schema = @Schema(allowableValues = {"debug", "info", "warning", "error", "access", "audit"}),
                arraySchema = @Schema(description = "Streams to purge (case-insensitive; warn, critical, trace are aliases); all when absent"))
        List<String> logLevels) {

    public static final PurgeLogsRequest DEFAULTS = new PurgeLogsRequest(null, null, null);
}
