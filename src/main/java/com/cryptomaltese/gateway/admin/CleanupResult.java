package com.cryptomaltese.gateway.admin;

import java.util.List;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import io.swagger.v3.oas.annotations.media.Schema;

@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
@Schema(description = "What a cleanup deleted")
public record CleanupResult(
        @Schema(description = "success, or partial when something could not be deleted (see not_removed)",
                allowableValues = {"success", "partial"}, example = "success") String status,
        List<String> operationsCompleted,
        @Schema(description = "Bytes deleted (the files' sizes)") long spaceFreed,
        long filesRemoved,
        List<OperationResult> details,
        @Schema(description = "What could not be deleted, as 'path inside the data directory: reason' (at most 50, "
                + "then how many more); empty on success") List<String> notRemoved) {

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record OperationResult(String operation, long filesRemoved, long spaceFreed,
                                  @Schema(description = "Files or folders this operation could not delete") long notRemoved) {
    }
}
