package com.cryptomaltese.gateway.hub;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import com.sun.nio.file.ExtendedOpenOption;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code .incomplete} file of one transfer, written behind the thread that receives it. The
 * receiver fills a buffer ({@link #take()}), hands it over ({@link #put}) and goes on receiving while
 * a writer thread puts the bytes into the file and {@link TrailingHash} hashes the same buffer; the
 * buffer comes back when both are done. The writer is one thread, so the file grows in order and never
 * has a hole a resumed download would take for bytes.
 * <p>
 * Where the file system allows it, the file is written with direct I/O (O_DIRECT): the bytes go from
 * the buffer to the disk without a copy into the page cache and, above all, without a gigabyte of
 * dirty pages for the fsync before the atomic rename to write back, which held downloads to the
 * disk's write-back speed (tools/bench/download.sh). Direct I/O needs block-aligned memory, file
 * positions and lengths, so buffers are aligned and mirror the file's blocks: a byte at file position
 * {@code p} sits at {@code p % block} in its buffer. The unaligned edges (the start of a resumed file,
 * the end of the last piece) go through the page cache. Where direct I/O is refused (tmpfs, some
 * overlay or network file systems) everything does, and the file is flushed every
 * {@value #FLUSH_EVERY_MIB} MiB on another thread so that the final fsync has little left to do.
 */
final class PartFile implements Closeable {

    private static final Logger log = LoggerFactory.getLogger(PartFile.class);
    private static final int BUFFER = 4 << 20;
    private static final int BUFFERS = 4;
    private static final int FLUSH_EVERY_MIB = 64;
    private static final long FLUSH_EVERY = (long) FLUSH_EVERY_MIB << 20;
    private static final AtomicInteger WRITERS = new AtomicInteger();

    private final Path part;
    private final FileChannel cached;
    /** The direct-I/O channel, null without direct I/O. */
    private final FileChannel direct;
    /** False once a direct write failed: the writer thread then writes through the page cache. */
    private volatile boolean directWorks;
    private final int block;
    private final int capacity;
    private final TrailingHash hash;
    private final ExecutorService threads;
    private final ExecutorService writer;
    private final BlockingQueue<ByteBuffer> free = new ArrayBlockingQueue<>(BUFFERS);
    private int allocated;
    /** File position of the next byte handed over. */
    private long next;
    private volatile IOException failure;
    // writer thread only
    private long flushed;
    private Future<?> flush;

    /**
     * Opens {@code part} to continue it from its end ({@code append}) or to write it afresh. Bytes
     * already in the file are the hash's to read back ({@link TrailingHash#advance}).
     *
     * @param expectedSize the file's final size if known (else -1): a small file takes one small buffer
     * @param tryDirect    whether to try direct I/O at all
     * @param threads      where the periodic flushes run
     */
    PartFile(Path part, boolean append, long expectedSize, TrailingHash hash, ExecutorService threads, boolean tryDirect)
            throws IOException {
        this.part = part;
        try {
            this.cached = FileChannel.open(part, append ? new OpenOption[] {StandardOpenOption.CREATE, StandardOpenOption.WRITE}
                    : new OpenOption[] {StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING});
        } catch (IOException e) {
            // A read-only file system, no inodes left, no permission: the disk's, not the network's.
            throw new WriteFailed("opening " + part.getFileName() + " for writing failed: " + e, e);
        }
        FileChannel directChannel = null;
        int blockSize = 1;
        try {
            this.next = cached.size();
            if (tryDirect) {
                directChannel = openDirect(part);
                blockSize = directChannel != null ? Math.toIntExact(Files.getFileStore(part).getBlockSize()) : 1;
            }
        } catch (IOException | RuntimeException e) {
            try (FileChannel c = cached; FileChannel d = directChannel) {
                throw e;
            }
        }
        this.flushed = next;
        this.direct = directChannel;
        this.directWorks = direct != null;
        this.block = blockSize;
        long rest = expectedSize < 0 ? BUFFER : Math.max(1, expectedSize - next);
        this.capacity = (int) Math.min(BUFFER, alignUp(next % block + rest, block));
        this.hash = hash;
        this.threads = threads;
        this.writer = Executors.newSingleThreadExecutor(task -> {
            Thread thread = new Thread(task, "hub-write-" + WRITERS.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        });
        hash.advance(next);
    }

    private static FileChannel openDirect(Path part) {
        try {
            return FileChannel.open(part, StandardOpenOption.WRITE, ExtendedOpenOption.DIRECT);
        } catch (IOException | UnsupportedOperationException e) {
            log.debug("{} cannot be written with direct I/O ({}); writing through the page cache", part, e.toString());
            return null;
        }
    }

    /** Where the next byte handed over goes: the file's size once everything handed over is written. */
    long size() {
        return next;
    }

    /**
     * A buffer to fill from its position to its limit with the bytes that follow {@link #size()};
     * waits while all buffers are being written or hashed.
     */
    ByteBuffer take() throws IOException, InterruptedException {
        ByteBuffer buffer = free.poll();
        if (buffer == null && allocated < BUFFERS) {
            // Aligned memory for direct I/O: two blocks more than needed leave room to align both ends.
            buffer = ByteBuffer.allocateDirect(capacity + 2 * block).alignedSlice(block);
            allocated++;
        }
        if (buffer == null) {
            buffer = free.take();
        }
        if (failure != null) {
            free.add(buffer);
            throw failed();
        }
        buffer.clear().limit(capacity).position((int) (next % block));
        return buffer;
    }

    /**
     * Hands over the bytes of a buffer from {@link #take()}, up to its position: written and hashed
     * behind the caller, who must not touch the buffer again. Any number of bytes, none included.
     */
    void put(ByteBuffer buffer) {
        int offset = (int) (next % block);
        int length = buffer.position() - offset;
        long from = next;
        next += length;
        if (length <= 0) {
            free.add(buffer);
            return;
        }
        AtomicInteger holders = new AtomicInteger(2);
        Runnable release = () -> {
            if (holders.decrementAndGet() == 0) {
                free.add(buffer);
            }
        };
        ByteBuffer bytes = buffer.duplicate().limit(offset + length).position(offset);
        writer.execute(() -> {
            try {
                if (failure == null) {
                    write(bytes.duplicate(), from);
                }
            } catch (IOException e) {
                failure = e;
            } finally {
                release.run();
            }
        });
        hash.offer(bytes, from, release);
    }

    /** Writes {@code bytes} (position to limit) at {@code from}: whole blocks directly, the edges cached. */
    private void write(ByteBuffer bytes, long from) throws IOException {
        long to = from + bytes.remaining();
        long base = from - bytes.position();
        long alignedFrom = alignUp(from, block);
        long alignedTo = to / block * block;
        if (directWorks && alignedFrom < alignedTo) {
            write(cached, bytes, base, from, alignedFrom);
            try {
                write(direct, bytes, base, alignedFrom, alignedTo);
            } catch (IOException e) {
                // Accepted at open but refused now (some file systems do): the page cache takes the rest.
                // A real disk error shows again below, from the ordinary write.
                log.debug("direct I/O failed ({}); writing through the page cache", e.toString());
                directWorks = false;
                write(cached, bytes, base, alignedFrom, alignedTo);
            }
            write(cached, bytes, base, alignedTo, to);
        } else {
            write(cached, bytes, base, from, to);
        }
        if (!directWorks && to - flushed >= FLUSH_EVERY && (flush == null || flush.isDone())) {
            flushed = to;
            try {
                // A channel of its own: an interrupt of the flush (a shutdown) closes that one, not the
                // channel the writer goes on using.
                flush = threads.submit(() -> {
                    try (FileChannel sync = FileChannel.open(part, StandardOpenOption.WRITE)) {
                        sync.force(false);
                    } catch (ClosedByInterruptException e) {
                        // shutting down: the fsync before the rename does it, if the file gets that far
                    } catch (IOException e) {
                        failure = e;
                    }
                });
            } catch (RejectedExecutionException e) {
                // shutting down: the fsync before the rename does it, if the file gets that far
            }
        }
    }

    /** Writes the file range [from, to) from the buffer whose index 0 is file position {@code base}. */
    private static void write(FileChannel channel, ByteBuffer buffer, long base, long from, long to) throws IOException {
        if (from >= to) {
            return;
        }
        ByteBuffer range = buffer.duplicate().limit((int) (to - base)).position((int) (from - base));
        for (long at = from; range.hasRemaining(); ) {
            at += channel.write(range, at);
        }
    }

    /**
     * Waits until everything handed over is in the file, then closes it; throws the first failure of
     * a write. Waits even when interrupted (a cancel, a shutdown): the received bytes are kept.
     */
    @Override
    public void close() throws IOException {
        writer.shutdown();
        boolean interrupted = false;
        while (true) {
            try {
                if (writer.awaitTermination(1, TimeUnit.MINUTES)) {
                    break;
                }
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        Future<?> flush = this.flush;
        while (flush != null && !flush.isDone()) {
            try {
                flush.get();
            } catch (InterruptedException e) {
                interrupted = true;
            } catch (Exception e) {
                break;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        try (FileChannel d = direct; FileChannel c = cached) {
            if (failure != null) {
                throw failed();
            }
        }
    }

    /** A fresh exception for each throw: take() and then close() both report the one failure. */
    private WriteFailed failed() {
        return new WriteFailed("writing " + part.getFileName() + " failed: " + failure.getMessage(), failure);
    }

    /** The disk refused the bytes (full, read-only, failing): unlike a dropped connection, a retry cannot help. */
    static final class WriteFailed extends IOException {
        WriteFailed(String message, Throwable cause) {
            super(message, cause);
        }

        /**
         * The write failure in {@code e}: itself, or one suppressed behind it (the connection dropped
         * in the same pass, and closing the file then reported the disk's error too).
         */
        static WriteFailed in(IOException e) {
            if (e instanceof WriteFailed failed) {
                return failed;
            }
            for (Throwable suppressed : e.getSuppressed()) {
                if (suppressed instanceof WriteFailed failed) {
                    return failed;
                }
            }
            return null;
        }
    }

    private static long alignUp(long value, int unit) {
        return (value + unit - 1) / unit * unit;
    }
}
