package com.cryptomaltese.gateway.hub;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import com.cryptomaltese.gateway.TestData;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The hash computed behind a writer equals the sha256 of the whole file, whatever the write pattern. */
class TrailingHashTest {

    final ExecutorService threads = Executors.newCachedThreadPool();
    final Path dir = TestData.freshDataDir("target/test-data/trailing-hash");

    @AfterEach
    void stop() {
        threads.shutdownNow();
    }

    @Test
    void hashesAFileWrittenInIrregularPiecesAfterAPrefixFromAnEarlierRun() throws Exception {
        byte[] content = new byte[5 * 1024 * 1024 + 12345];
        Random random = new Random(42);
        random.nextBytes(content);
        Path file = dir.resolve("part");
        int prefix = 3 * 1024 * 1024 + 7;
        Files.write(file, java.util.Arrays.copyOf(content, prefix));

        TrailingHash hash = new TrailingHash(file, threads);
        hash.advance(prefix);
        try (FileChannel out = FileChannel.open(file, StandardOpenOption.WRITE, StandardOpenOption.APPEND)) {
            int at = prefix;
            while (at < content.length) {
                int n = Math.min(content.length - at, 1 + random.nextInt(300_000));
                out.write(ByteBuffer.wrap(content, at, n));
                at += n;
                hash.advance(at);
            }
        }
        assertThat(hash.finish(content.length)).isEqualTo(FakeHub.sha256(content));
    }

    @Test
    void anEmptyFileAndAFileCompleteBeforeTheHashStarts() throws Exception {
        Path empty = Files.write(dir.resolve("empty"), new byte[0]);
        assertThat(new TrailingHash(empty, threads).finish(0)).isEqualTo(FakeHub.sha256(new byte[0]));
        byte[] content = "complete from an earlier run".getBytes();
        Path whole = Files.write(dir.resolve("whole"), content);
        assertThat(new TrailingHash(whole, threads).finish(content.length)).isEqualTo(FakeHub.sha256(content));
    }
}
