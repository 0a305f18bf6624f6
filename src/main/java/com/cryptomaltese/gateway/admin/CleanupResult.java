package com.cryptomaltese.gateway.admin;

import java.util.List;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import io.swagger.v3.oas.annotations.media.Schema;

@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
@Schema(description = "What a cleanup deleted")
public record CleanupResult(
        @Schema(example = "success") String status,
        List<String> operationsCompleted,
        @Schema(description = "Bytes deleted from disk") long spaceFreed,
        long filesRemoved,
        List<OperationResult> details) {

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record OperationResult(String operation, long filesRemoved, long spaceFreed) {
    }
}
