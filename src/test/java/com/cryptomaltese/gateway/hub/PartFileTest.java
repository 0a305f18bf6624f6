package com.cryptomaltese.gateway.hub;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import com.cryptomaltese.gateway.TestData;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A part file holds exactly the bytes handed over, in place, and its trailing hash is their sha256,
 * with direct I/O (where the test directory's file system takes it) and through the page cache: for
 * sizes at and around block and buffer edges, buffers handed over full or cut short anywhere (a
 * dropped connection), files continued from any length and files started afresh over old bytes.
 */
class PartFileTest {

    private static final int MIB = 1 << 20;

    final ExecutorService threads = Executors.newCachedThreadPool();
    final Path dir = TestData.freshDataDir("target/test-data/part-file");
    final Random random = new Random(2026);

    @AfterEach
    void stop() {
        threads.shutdownNow();
    }

    @ParameterizedTest(name = "{0} bytes, direct I/O tried: {1}")
    @CsvSource({"0, true", "1, true", "4095, true", "4096, true", "4097, true", "1048577, true",
            "4194303, true", "4194304, true", "4194305, true", "13000123, true", "4097, false", "13000123, false"})
    void holdsExactlyTheBytesHandedOverAndHashesThem(int size, boolean direct) throws Exception {
        byte[] content = bytes(size);
        Path part = dir.resolve("fresh-" + size + "-" + direct);
        TrailingHash hash = new TrailingHash(part, threads);
        try (PartFile out = new PartFile(part, false, size, hash, threads, direct)) {
            receive(out, content, 0, false);
            assertThat(out.size()).isEqualTo(size);
        }
        assertThat(Files.readAllBytes(part)).isEqualTo(content);
        assertThat(hash.finish(size)).isEqualTo(FakeHub.sha256(content));
    }

    @ParameterizedTest(name = "continued after {0} bytes")
    @ValueSource(ints = {1, 4095, 4096, 5000, 4194304, 4194305 + 4096 * 3 + 17})
    void continuesAFileOfAnyLengthAndHashesTheWhole(int kept) throws Exception {
        for (boolean direct : new boolean[] {true, false}) {
            byte[] content = bytes(9 * MIB + 333);
            Path part = Files.write(dir.resolve("continued-" + kept + "-" + direct), Arrays.copyOf(content, kept));
            TrailingHash hash = new TrailingHash(part, threads);
            try (PartFile out = new PartFile(part, true, content.length, hash, threads, direct)) {
                assertThat(out.size()).isEqualTo(kept);
                receive(out, content, kept, true);
            }
            assertThat(Files.readAllBytes(part)).as("direct I/O tried: %s", direct).isEqualTo(content);
            assertThat(hash.finish(content.length)).isEqualTo(FakeHub.sha256(content));
        }
    }

    @ParameterizedTest(name = "direct I/O tried: {0}")
    @ValueSource(booleans = {true, false})
    void aFreshStartReplacesWhatTheFileHeld(boolean direct) throws Exception {
        byte[] old = bytes(6 * MIB);
        byte[] content = bytes(MIB + 5);
        Path part = Files.write(dir.resolve("afresh-" + direct), old);
        TrailingHash hash = new TrailingHash(part, threads);
        try (PartFile out = new PartFile(part, false, -1, hash, threads, direct)) {
            assertThat(out.size()).isZero();
            receive(out, content, 0, true);
        }
        assertThat(Files.readAllBytes(part)).isEqualTo(content);
        assertThat(hash.finish(content.length)).isEqualTo(FakeHub.sha256(content));
    }

    @ParameterizedTest(name = "direct I/O tried: {0}")
    @ValueSource(booleans = {true, false})
    void bytesHandedOverBeforeAFailureAreInTheFileWhenItCloses(boolean direct) throws Exception {
        byte[] content = bytes(5 * MIB);
        int received = 4 * MIB + 4096 + 99;
        Path part = dir.resolve("dropped-" + direct);
        try (PartFile out = new PartFile(part, false, content.length, new TrailingHash(part, threads), threads, direct)) {
            receive(out, Arrays.copyOf(content, received), 0, false);
        }
        assertThat(Files.readAllBytes(part)).isEqualTo(Arrays.copyOf(content, received));
    }

    /** A full disk (/dev/full answers every write with ENOSPC) fails the transfer with an IOException saying so. */
    @Test
    void aFailedWriteEndsTheTransferWithTheDisksError() {
        byte[] content = bytes(2 * MIB);
        Path full = Path.of("/dev/full");
        assertThatThrownBy(() -> {
            try (PartFile out = new PartFile(full, true, -1, new TrailingHash(full, threads), threads, false)) {
                for (int i = 0; i < 100; i++) {
                    receive(out, content, 0, false);
                }
            }
        }).isInstanceOf(IOException.class).hasMessageContaining("writing full failed")
                .hasRootCauseMessage("No space left on device")
                .satisfies(e -> assertThat(e.getSuppressed()).allMatch(IOException.class::isInstance));
    }

    /**
     * Hands {@code content} from {@code at} to its end over as a transfer does: each buffer filled by
     * reads of random length; with {@code cutShort}, some buffers are handed over before they are full.
     */
    private void receive(PartFile out, byte[] content, int at, boolean cutShort) throws Exception {
        while (at < content.length) {
            ByteBuffer buffer = out.take();
            while (buffer.hasRemaining() && at < content.length) {
                int n = Math.min(Math.min(buffer.remaining(), content.length - at), 1 + random.nextInt(300_000));
                buffer.put(content, at, n);
                at += n;
                if (cutShort && random.nextInt(4) == 0) {
                    break;
                }
            }
            out.put(buffer);
        }
    }

    private byte[] bytes(int size) {
        byte[] bytes = new byte[size];
        random.nextBytes(bytes);
        return bytes;
    }
}
