package com.cryptomaltese.gateway.hub;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Flow;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * A response body read straight from the buffers the HTTP client delivers. The JDK's
 * {@code BodyHandlers.ofInputStream()} copies every byte into the caller's array, and writing an
 * array to a file copies it again into a temporary direct buffer; {@link #read(ByteBuffer)} copies
 * the client's buffers once, into the caller's direct buffer, which then goes to the file and the
 * hash as it is. Closing it (a cancel, the stall watchdog) wakes a blocked reader with an error.
 */
final class ResponseBody extends InputStream implements HttpResponse.BodySubscriber<ResponseBody> {

    /** Marks the end of the body (or a failure, or a close); a list of its own, never one the client sends. */
    private static final List<ByteBuffer> END = List.of(ByteBuffer.allocate(0));

    private final BlockingQueue<List<ByteBuffer>> lists = new LinkedBlockingQueue<>();
    private final CompletableFuture<Flow.Subscription> subscription = new CompletableFuture<>();
    private Iterator<ByteBuffer> list = List.<ByteBuffer>of().iterator();
    private ByteBuffer current = ByteBuffer.allocate(0);
    private boolean ended;
    private volatile Throwable failure;
    private volatile boolean closed;

    static HttpResponse.BodyHandler<ResponseBody> handler() {
        return info -> new ResponseBody();
    }

    /**
     * Copies at least one byte (blocking until one arrives) and at most {@code dst.remaining()} into
     * {@code dst}; -1 at the end of the body.
     */
    int read(ByteBuffer dst) throws IOException {
        if (!dst.hasRemaining()) {
            return 0;
        }
        while (!current.hasRemaining()) {
            if (!next()) {
                return -1;
            }
        }
        int n = Math.min(dst.remaining(), current.remaining());
        dst.put(dst.position(), current, current.position(), n).position(dst.position() + n);
        current.position(current.position() + n);
        return n;
    }

    /** Whether {@link #read(ByteBuffer)} would answer at once (bytes, the end or an error) without waiting. */
    boolean ready() {
        return current.hasRemaining() || list.hasNext() || ended || closed || !lists.isEmpty();
    }

    private boolean next() throws IOException {
        if (closed) {
            throw new IOException("the response body was closed");
        }
        if (list.hasNext()) {
            current = list.next();
            return true;
        }
        if (ended) {
            return false;
        }
        List<ByteBuffer> taken;
        try {
            taken = lists.take();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while reading the response body");
        }
        if (closed) {
            throw new IOException("the response body was closed");
        }
        if (taken == END) {
            ended = true;
            if (failure != null) {
                throw failure instanceof IOException io ? io : new IOException(failure.getMessage(), failure);
            }
            return false;
        }
        subscription.join().request(1);
        list = taken.iterator();
        return true;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        return read(ByteBuffer.wrap(b, off, len));
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public void close() {
        closed = true;
        subscription.thenAccept(Flow.Subscription::cancel);
        lists.offer(END);
    }

    @Override
    public CompletionStage<ResponseBody> getBody() {
        return CompletableFuture.completedStage(this);
    }

    @Override
    public void onSubscribe(Flow.Subscription s) {
        subscription.complete(s);
        if (closed) {
            s.cancel();
        } else {
            // One list at a time, as the JDK's own stream asks: with more, a body that fails early
            // (a dropped connection) fails the request itself instead of the reading of the body.
            s.request(1);
        }
    }

    @Override
    public void onNext(List<ByteBuffer> item) {
        lists.offer(item);
    }

    @Override
    public void onError(Throwable throwable) {
        failure = throwable;
        lists.offer(END);
    }

    @Override
    public void onComplete() {
        lists.offer(END);
    }
}
