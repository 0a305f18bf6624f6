package com.cryptomaltese.gateway.hub;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DownloadRecordTest {

    @TempDir
    Path folder;

    private static DownloadRecord record(String state, String error) {
        return new DownloadRecord("org/name", "main", "safetensors", null, "0".repeat(40), "safetensors",
                List.of(new DownloadRecord.PlannedFile("model.safetensors", 10, "b".repeat(64), "c".repeat(64))),
                state, error, Instant.parse("2026-01-02T03:04:05Z"), null);
    }

    @Test
    void aRecordIsReadBackAsWritten() throws IOException {
        DownloadRecord written = record(DownloadRecord.ERROR, "the Hub answered 404");
        written.write(folder);
        assertThat(DownloadRecord.read(folder)).contains(written);
        assertThat(folder.resolve(CachePaths.REQUEST + ".tmp")).doesNotExist();
    }

    /**
     * A full disk (the temporary file leads to /dev/full, which answers every write with ENOSPC): the
     * write fails, the record before it stays whole, and no temporary file is left for a cleanup to find.
     */
    @Test
    void aRecordThatCannotBeWrittenLeavesTheOldOneAndNoTemporaryFile() throws IOException {
        DownloadRecord before = record(DownloadRecord.DOWNLOADING, null);
        before.write(folder);
        Path tmp = folder.resolve(CachePaths.REQUEST + ".tmp");
        Files.createSymbolicLink(tmp, Path.of("/dev/full"));

        assertThatThrownBy(() -> record(DownloadRecord.ERROR, "failed").write(folder))
                .isInstanceOf(IOException.class).hasMessageContaining("No space left on device");
        assertThat(tmp).doesNotExist();
        assertThat(DownloadRecord.read(folder)).contains(before);
    }
}
