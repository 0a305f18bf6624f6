package com.cryptomaltese.gateway.hub;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayDeque;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;

/**
 * The sha256 of a file being written ({@link Sha256}: OpenSSL's when it loads), computed on another
 * thread behind the writer, so checking a large download costs almost no time after its last byte:
 * the transfer thread only receives and writes, the hashing runs beside it on a second core.
 * <p>
 * The writer hands over the very buffers it wrote ({@link #offer}): they are hashed as they are and
 * given back, with no copy and no second read. Bytes the hash has not been handed (on disk from an
 * earlier run, or announced with {@link #advance}) are read back from the file (the page cache).
 */
final class TrailingHash {

    private static final int CHUNK = 1 << 20;

    /** Bytes written at {@code position} of the file; {@code release} gives the buffer back to the writer. */
    private record Piece(ByteBuffer bytes, long position, Runnable release) {
    }

    private final Path file;
    private final ArrayDeque<Piece> pieces = new ArrayDeque<>();
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

    /**
     * The bytes of {@code written} (position to limit), just written at {@code position} of the file,
     * are final: they are hashed from this buffer, which must not change until {@code release} runs.
     */
    void offer(ByteBuffer written, long position, Runnable release) {
        synchronized (this) {
            if (!stopped) {
                pieces.add(new Piece(written, position, release));
                limit = Math.max(limit, position + written.remaining());
                notifyAll();
                return;
            }
        }
        release.run();
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

    /** Abandons the hash (the transfer failed or starts the file again); buffers handed over are given back. */
    void stop() {
        synchronized (this) {
            stopped = true;
            notifyAll();
        }
        releaseAll();
    }

    private void releaseAll() {
        while (true) {
            Piece piece;
            synchronized (this) {
                piece = pieces.poll();
            }
            if (piece == null) {
                return;
            }
            piece.release.run();
        }
    }

    private String hash() throws Exception {
        ByteBuffer buffer = null;
        FileChannel in = null;
        long hashed = 0;
        try (Sha256 sha256 = Sha256.create()) {
            while (true) {
                Piece piece;
                long until;
                synchronized (this) {
                    while (!stopped && pieces.isEmpty() && !complete && limit - hashed < CHUNK) {
                        wait();
                    }
                    if (stopped) {
                        return null;
                    }
                    piece = pieces.poll();
                    until = piece != null ? piece.position : limit;
                    if (piece == null && complete && hashed >= until) {
                        return sha256.hex();
                    }
                }
                try {
                    if (hashed < until) {
                        // Not handed over: read back from the file (opened when first needed: the
                        // writer may create it after this hash starts).
                        buffer = buffer != null ? buffer : ByteBuffer.allocateDirect(CHUNK);
                        in = in != null ? in : FileChannel.open(file, StandardOpenOption.READ);
                        hashed = readBack(in, sha256, buffer, hashed, until);
                    }
                    if (piece != null) {
                        long end = piece.position + piece.bytes.remaining();
                        if (end > hashed) {
                            ByteBuffer rest = piece.bytes.duplicate();
                            rest.position(rest.position() + (int) (hashed - piece.position));
                            sha256.update(rest);
                            hashed = end;
                        }
                    }
                } finally {
                    if (piece != null) {
                        piece.release.run();
                    }
                }
            }
        } finally {
            if (in != null) {
                in.close();
            }
            stop();
        }
    }

    private long readBack(FileChannel in, Sha256 sha256, ByteBuffer buffer, long from, long until) throws IOException {
        long hashed = from;
        while (hashed < until) {
            buffer.clear().limit((int) Math.min(CHUNK, until - hashed));
            int n = in.read(buffer, hashed);
            if (n <= 0) {
                throw new IOException(file + " is shorter than the " + until + " bytes written to it");
            }
            sha256.update(buffer.flip());
            hashed += n;
        }
        return hashed;
    }
}
