package com.cryptomaltese.gateway.admin;

import java.time.Instant;
import java.util.List;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import io.swagger.v3.oas.annotations.media.Schema;

/** The answer of {@code GET /admin/system-status}. All sizes in bytes. */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
@JsonInclude(JsonInclude.Include.ALWAYS)
@Schema(description = "Disk, memory, model and maintenance state")
public record SystemStatus(
        @Schema(description = "healthy; warning when disk or memory use reaches gateway.status.warning-percent "
                + "(80); critical at gateway.status.critical-percent (95)",
                allowableValues = {"healthy", "warning", "critical"}) String status,
        @Schema(description = "Why the status is not healthy") List<String> warnings,
        Instant timestamp,
        long uptimeSeconds,
        Disk disk,
        Memory memory,
        Model model,
        @Schema(nullable = true) LastCleanup lastCleanup) {

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    @Schema(description = "The filesystem holding the data directory, counted as df counts it: free_bytes is what "
            + "the gateway can still write, used_percent is used / (used + free), blocks reserved for root are neither")
    public record Disk(String path, long totalBytes, long usedBytes, long freeBytes, double usedPercent,
                       @Schema(description = "Bytes under the data directory: models, logs, database, temp") long dataDirBytes) {
    }

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record Memory(Jvm jvm, Host system,
                         @Schema(description = "This process as the kernel counts it (absent off Linux): model weights "
                                 + "live outside the JVM heap, so loading and unloading shows here", nullable = true)
                         Process process) {
    }

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    @Schema(description = "Resident memory of the gateway process (VmRSS) and its peak since start (VmHWM)")
    public record Process(long residentBytes, long peakResidentBytes) {
    }

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record Jvm(long heapUsedBytes, long heapCommittedBytes, long heapMaxBytes, double heapUsedPercent,
                      long nonHeapUsedBytes) {
    }

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    @Schema(description = "Host (or container) memory; available counts reclaimable page cache as free")
    public record Host(long totalBytes, long availableBytes, double usedPercent) {
    }

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    @JsonInclude(JsonInclude.Include.ALWAYS)
    public record Model(boolean loaded, @Schema(nullable = true) String modelId, @Schema(nullable = true) String engine,
                        @Schema(nullable = true) Instant loadedAt,
                        @Schema(description = "Memory the loaded model holds") long memoryBytes,
                        @Schema(nullable = true, description = "The last model taken out of memory (unloaded, or "
                                + "replaced by a load) and the process's resident memory around it")
                        LastUnload lastUnload) {
    }

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record LastUnload(String modelId, Instant unloadedAt,
                             @Schema(description = "What the model reported holding while loaded") long modelMemoryBytes,
                             @Schema(description = "VmRSS right before the model was closed; -1 off Linux")
                             long residentBytesBefore,
                             @Schema(description = "VmRSS right after; -1 off Linux") long residentBytesAfter,
                             @Schema(description = "before - after: what the unload gave back to the system (negative when "
                                     + "other work grew the process meanwhile)")
                             long residentBytesFreed) {
    }

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record LastCleanup(@Schema(allowableValues = {"cleanup", "purge-logs"}) String kind,
                              List<String> operations, long filesRemoved, long spaceFreed, String triggeredBy,
                              Instant completedAt) {
    }
}
