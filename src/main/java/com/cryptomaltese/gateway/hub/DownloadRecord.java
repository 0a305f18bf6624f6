package com.cryptomaltese.gateway.hub;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

import com.cryptomaltese.gateway.hub.HubListing.HubFile;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;

/**
 * A download that has not completed, on disk in {@code models--org--name/maltese-download-request.json}:
 * the request (revision, format, quantisation; never the token) and the plan the Hub's file list gave
 * (commit, files). Written when the download is accepted and when it fails; removed when it completes
 * or is cancelled. A record still saying {@code downloading} when the gateway starts belongs to a
 * download that a restart or a crash interrupted.
 *
 * @param state {@code downloading} or {@code error}
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
record DownloadRecord(String modelId, String revision, String requestedFormat, String quant, String commit,
                      String format, List<PlannedFile> files, String state, String error, Instant startedAt,
                      Instant finishedAt) {

    static final String DOWNLOADING = "downloading";
    static final String ERROR = "error";

    /** One file of the plan, as the listing described it. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record PlannedFile(String path, long size, String blobId, String sha256) {

        HubFile hubFile() {
            return new HubFile(path, size, blobId, sha256);
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper().registerModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS).enable(SerializationFeature.INDENT_OUTPUT);

    static DownloadRecord of(Download job) {
        List<PlannedFile> files = job.choice.files().stream()
                .map(f -> new PlannedFile(f.path(), f.size(), f.blobId(), f.sha256())).toList();
        boolean failed = job.state == Download.State.ERROR;
        return new DownloadRecord(job.id.toString(), job.revision, job.requestedFormat, job.quant,
                job.listing.commit(), job.choice.format(), files, failed ? ERROR : DOWNLOADING,
                failed ? job.error : null, job.startedAt, failed ? job.finishedAt : null);
    }

    /** The record in a model folder; empty when there is none or it cannot be read. */
    static Optional<DownloadRecord> read(Path modelFolder) throws IOException {
        Path file = modelFolder.resolve(CachePaths.REQUEST);
        if (!Files.isRegularFile(file)) {
            return Optional.empty();
        }
        return Optional.of(JSON.readValue(file.toFile(), DownloadRecord.class));
    }

    /** Replaces the record in one rename, so a crash leaves the old one or the new one, never half of one. */
    void write(Path modelFolder) throws IOException {
        Files.createDirectories(modelFolder);
        AtomicWrite.replace(modelFolder.resolve(CachePaths.REQUEST), tmp -> JSON.writeValue(tmp.toFile(), this));
    }

    /** The bytes the record takes in its file. */
    long length() throws IOException {
        return JSON.writeValueAsBytes(this).length;
    }

    static void delete(Path modelFolder) throws IOException {
        Files.deleteIfExists(modelFolder.resolve(CachePaths.REQUEST));
    }
}
