package com.cryptomaltese.gateway.hub;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import io.swagger.v3.oas.annotations.media.Schema;

/**
 * What the gateway records about a downloaded model, in {@code models--org--name/maltese-download.json}
 * (beside {@code blobs/} and {@code snapshots/}, so the snapshot stays exactly the Hub's files).
 * Never holds a token. Models put there by {@code huggingface-cli} have none.
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
@Schema(description = "Download record of a model")
public record ModelMetadata(
        @Schema(example = "huggingface") String source,
        @Schema(example = "HuggingFaceTB/SmolLM2-135M-Instruct") String repoId,
        @Schema(example = "main") String revision,
        @Schema(description = "The commit downloaded (snapshots/<commit>)") String commit,
        String format,
        @Schema(description = "Bytes of the downloaded files") long size,
        Instant downloadedAt,
        List<FileRecord> files) {

    /** One downloaded file and the sha256 of its content. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record FileRecord(String path, long size, String sha256) {
    }

    private static final ObjectMapper JSON = new ObjectMapper().registerModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS).enable(SerializationFeature.INDENT_OUTPUT);

    /** The record in a model folder, if there is a readable one. */
    public static Optional<ModelMetadata> read(Path modelFolder) {
        Path file = modelFolder.resolve(CachePaths.METADATA);
        if (!Files.isRegularFile(file)) {
            return Optional.empty();
        }
        try {
            return Optional.of(JSON.readValue(file.toFile(), ModelMetadata.class));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    void write(Path modelFolder) throws IOException {
        AtomicWrite.replace(modelFolder.resolve(CachePaths.METADATA), tmp -> JSON.writeValue(tmp.toFile(), this));
    }
}
