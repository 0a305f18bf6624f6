package com.cryptomaltese.gateway.hub;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;

import org.apache.hc.client5.http.classic.methods.HttpGet;
import org.apache.hc.core5.http.ClassicHttpResponse;
import org.apache.hc.core5.http.HttpEntity;

/**
 * The body of a Hub response, read with blocking reads from the connection by the thread that
 * transfers it. Closing it from another thread (a cancel, a shutdown, the stall watchdog) aborts the
 * exchange, so a read blocked on a silent server fails at once instead of after the socket timeout.
 * Closed after its last byte, it leaves the connection to the pool for the next file.
 */
final class ResponseBody extends InputStream {

    /** Largest staging copy for reads into a direct buffer; larger reads than this gain nothing. */
    private static final int STAGING = 1 << 20;

    private final HttpGet request;
    private final ClassicHttpResponse response;
    private final InputStream in;
    private byte[] staging;
    private volatile boolean ended;
    private volatile boolean closed;

    private ResponseBody(HttpGet request, ClassicHttpResponse response, InputStream in) {
        this.request = request;
        this.response = response;
        this.in = in;
    }

    /** The body of {@code response}; the exchange is aborted if the body cannot be opened. */
    static ResponseBody open(HttpGet request, ClassicHttpResponse response) throws IOException {
        try {
            HttpEntity entity = response.getEntity();
            return new ResponseBody(request, response, entity != null ? entity.getContent() : InputStream.nullInputStream());
        } catch (IOException | RuntimeException e) {
            request.cancel();
            try {
                response.close();
            } catch (IOException closing) {
                e.addSuppressed(closing);
            }
            throw e;
        }
    }

    /** Whether it was closed before its end: a read failing now was stopped, not dropped by the server. */
    boolean aborted() {
        return closed && !ended;
    }

    ClassicHttpResponse response() {
        return response;
    }

    /**
     * Reads at least one byte (blocking until one arrives) and at most {@code dst.remaining()} into
     * {@code dst}; -1 at the end of the body.
     */
    int read(ByteBuffer dst) throws IOException {
        if (!dst.hasRemaining()) {
            return 0;
        }
        if (dst.hasArray()) {
            int n = read(dst.array(), dst.arrayOffset() + dst.position(), dst.remaining());
            if (n > 0) {
                dst.position(dst.position() + n);
            }
            return n;
        }
        if (staging == null) {
            staging = new byte[Math.min(STAGING, Math.max(8192, dst.remaining()))];
        }
        int n = read(staging, 0, Math.min(staging.length, dst.remaining()));
        if (n > 0) {
            dst.put(staging, 0, n);
        }
        return n;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (closed) {
            throw new IOException("the response body was closed");
        }
        int n = in.read(b, off, len);
        if (n < 0) {
            ended = true;
        }
        return n;
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xff;
    }

    /**
     * Safe from any thread. Before the end of the body it only aborts the exchange (which wakes a
     * blocked read and discards the connection): closing the response would drain the body on this
     * thread while the reading thread reads it. After the end, the connection goes back to the pool.
     */
    @Override
    public void close() {
        closed = true;
        if (!ended) {
            request.cancel();
            return;
        }
        try {
            response.close();
        } catch (IOException ignored) {
            // the exchange is over either way
        }
    }
}
