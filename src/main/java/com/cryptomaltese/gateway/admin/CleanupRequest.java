package com.cryptomaltese.gateway.admin;

import java.util.List;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import io.swagger.v3.oas.annotations.media.ArraySchema;
import io.swagger.v3.oas.annotations.media.Schema;

@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
@Schema(description = "Disk cleanup inside the data directory")
public record CleanupRequest(
        @ArraySchema(minItems = 1, schema = @Schema(allowableValues = {
                "clean_logs", "clean_cache", "clean_models", "clean_temp", "full_cleanup"}),
                arraySchema = @Schema(requiredMode = Schema.RequiredMode.REQUIRED, description =
                        "clean_logs: rolled log files (active ones stay); clean_cache: the cache folder and what "
                                + "downloads left in the models folder (part files, blobs no snapshot links to, "
                                + "downloads that never completed; running downloads are skipped); "
                                + "clean_models: every model on disk except the loaded one; clean_temp: the temp folder; "
                                + "full_cleanup: all of these"))
        List<String> operations,
        @Schema(description = "Run even while a generation is in progress (otherwise 409)", example = "false")
        Boolean force) {
}
