package com.cryptomaltese.gateway.hub;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

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
    void hashesBuffersHandedOverAndReadsBackOnlyWhatWasNotHandedOverAndGivesEveryBufferBack() throws Exception {
        byte[] content = new byte[6 * 1024 * 1024 + 777];
        Random random = new Random(7);
        random.nextBytes(content);
        Path file = dir.resolve("offered");
        int prefix = 1024 * 1024 + 3;
        Files.write(file, java.util.Arrays.copyOf(content, prefix));

        TrailingHash hash = new TrailingHash(file, threads);
        hash.advance(prefix);
        AtomicInteger lent = new AtomicInteger();
        try (FileChannel out = FileChannel.open(file, StandardOpenOption.WRITE, StandardOpenOption.APPEND)) {
            int at = prefix;
            int piece = 0;
            while (at < content.length) {
                int n = Math.min(content.length - at, 1 + random.nextInt(400_000));
                ByteBuffer direct = ByteBuffer.allocateDirect(n).put(content, at, n).flip();
                out.write(direct);
                // Most pieces are handed over; every third is only announced and must be read back.
                if (piece++ % 3 == 2) {
                    hash.advance(at + n);
                } else {
                    lent.incrementAndGet();
                    hash.offer(direct.position(0), at, lent::decrementAndGet);
                }
                at += n;
            }
        }
        assertThat(hash.finish(content.length)).isEqualTo(FakeHub.sha256(content));
        assertThat(lent.get()).isZero();
    }

    @Test
    void aBufferHandedOverIsHashedFromTheBufferNotReadBackFromTheFile() throws Exception {
        byte[] content = new byte[3 * 1024 * 1024];
        new Random(11).nextBytes(content);
        Path file = Files.write(dir.resolve("from-buffer"), new byte[content.length]);
        TrailingHash hash = new TrailingHash(file, threads);
        CountDownLatch back = new CountDownLatch(1);
        hash.offer(ByteBuffer.allocateDirect(content.length).put(content).flip(), 0, back::countDown);
        assertThat(hash.finish(content.length)).isEqualTo(FakeHub.sha256(content));
        assertThat(back.getCount()).isZero();
    }

    @Test
    void theFileMayBeCreatedAfterTheHashStarts() throws Exception {
        byte[] content = new byte[2 * 1024 * 1024 + 5];
        new Random(13).nextBytes(content);
        Path file = dir.resolve("created-later");
        TrailingHash hash = new TrailingHash(file, threads);
        int half = content.length / 2;
        CountDownLatch back = new CountDownLatch(1);
        hash.offer(ByteBuffer.allocateDirect(half).put(content, 0, half).flip(), 0, back::countDown);
        // The second half only announced: read back from the file, which exists by now.
        Files.write(file, content);
        hash.advance(content.length);
        assertThat(hash.finish(content.length)).isEqualTo(FakeHub.sha256(content));
        assertThat(back.getCount()).isZero();
    }

    @Test
    void stoppingGivesBackBuffersNotYetHashedAndThoseOfferedLater() throws Exception {
        Path file = Files.write(dir.resolve("stopped"), new byte[10]);
        TrailingHash hash = new TrailingHash(file, threads);
        hash.stop();
        AtomicInteger back = new AtomicInteger();
        hash.offer(ByteBuffer.allocateDirect(10), 0, back::incrementAndGet);
        assertThat(back.get()).isEqualTo(1);
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
