package com.cryptomaltese.gateway.hub;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;

/**
 * The sha256 of a file being written ({@link Sha256}: OpenSSL's when it loads), computed on another thread that reads the file behind the
 * writer (from the page cache), so checking a large download costs almost no time after its last
 * byte: the transfer thread only receives and writes, the hashing runs beside it on a second core.
 * Bytes already on disk from an earlier run are hashed the same way while the rest arrives. The
 * hashing thread also flushes what it has read to the disk every {@link #FLUSH_EVERY} bytes, so the
 * final fsync before the atomic rename has little left to write.
 */
final class TrailingHash {

    private static final int CHUNK = 1 << 20;
    private static final long FLUSH_EVERY = 64L << 20;

    private final Path file;
    private final Future<String> result;
    private long limit;
    private boolean complete;
    private boolean stopped;

    TrailingHash(Path file, ExecutorService threads) {
        this.file = file;
        this.result = threads.submit(this::hash);
    }

    /** The file holds {@code bytes} bytes that will not change any more. */
    synchronized void advance(long bytes) {
        limit = Math.max(limit, bytes);
        notifyAll();
    }

    /** The file is complete at {@code size} bytes: waits for the hash of exactly those bytes. */
    String finish(long size) throws IOException {
        synchronized (this) {
            limit = size;
            complete = true;
            notifyAll();
        }
        try {
            return result.get();
        } catch (ExecutionException e) {
            throw e.getCause() instanceof IOException io ? io : new IOException("hashing " + file + " failed", e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            stop();
            throw new InterruptedIOException("interrupted while hashing " + file);
        }
    }

    /** Abandons the hash (the transfer failed or starts the file again). */
    synchronized void stop() {
        stopped = true;
        notifyAll();
    }

    private String hash() throws IOException, InterruptedException {
        ByteBuffer buffer = ByteBuffer.allocateDirect(CHUNK);
        long hashed = 0;
        long flushed = 0;
        try (Sha256 sha256 = Sha256.create(); FileChannel in = FileChannel.open(file, StandardOpenOption.READ)) {
            while (true) {
                long until;
                synchronized (this) {
                    while (!stopped && !complete && limit - hashed < CHUNK) {
                        wait();
                    }
                    if (stopped) {
                        return null;
                    }
                    until = limit;
                    if (complete && hashed >= until) {
                        return sha256.hex();
                    }
                }
                while (hashed < until) {
                    buffer.clear().limit((int) Math.min(CHUNK, until - hashed));
                    int n = in.read(buffer, hashed);
                    if (n <= 0) {
                        throw new IOException(file + " is shorter than the " + until + " bytes written to it");
                    }
                    sha256.update(buffer.flip());
                    hashed += n;
                }
                if (hashed - flushed >= FLUSH_EVERY) {
                    in.force(false);
                    flushed = hashed;
                }
            }
        }
    }
}
