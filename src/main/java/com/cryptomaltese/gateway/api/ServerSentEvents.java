package com.cryptomaltese.gateway.api;

import java.io.InputStream;
import java.io.InterruptedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * A {@code text/event-stream} response body: one thread sends events into it, the web server's copy
 * loop reads them and flushes after each read, so every event reaches the client as it is sent. When
 * the reader closes it (the client went away and a write failed), the next {@link #send} throws
 * {@link Closed}, which ends the sender's work.
 */
final class ServerSentEvents extends InputStream {

    /** The reader has closed the stream: nobody will read what is sent. */
    static final class Closed extends RuntimeException {
        Closed() {
            super("the client closed the event stream", null, false, false);
        }
    }

    private static final byte[] END = new byte[0];

    private final BlockingQueue<byte[]> queue = new LinkedBlockingQueue<>();
    private volatile boolean closed;
    private byte[] current = new byte[0];
    private int position;

    /** Queues {@code event: <name>} with {@code json} (one line: JSON escapes line breaks) as its data. */
    void send(String name, byte[] json) {
        queue("event: " + name + "\ndata: ", json);
    }

    /** Queues an unnamed event (a {@code message} event, to a browser's EventSource) with {@code data} as its data. */
    void send(byte[] data) {
        queue("data: ", data);
    }

    private void queue(String head, byte[] data) {
        if (closed) {
            throw new Closed();
        }
        byte[] start = head.getBytes(StandardCharsets.UTF_8);
        byte[] event = new byte[start.length + data.length + 2];
        System.arraycopy(start, 0, event, 0, start.length);
        System.arraycopy(data, 0, event, start.length, data.length);
        event[event.length - 2] = '\n';
        event[event.length - 1] = '\n';
        queue.add(event);
    }

    /** No more events: the reader sees the end of the stream once it has read those queued. */
    void end() {
        queue.add(END);
    }

    @Override
    public int read(byte[] buffer, int offset, int length) throws InterruptedIOException {
        Objects.checkFromIndexSize(offset, length, buffer.length);
        if (length == 0) {
            return 0;
        }
        while (position == current.length) {
            if (current == END) {
                return -1;
            }
            try {
                current = queue.take();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted while waiting for the next event");
            }
            position = 0;
        }
        int count = Math.min(length, current.length - position);
        System.arraycopy(current, position, buffer, offset, count);
        position += count;
        return count;
    }

    @Override
    public int read() throws InterruptedIOException {
        byte[] one = new byte[1];
        return read(one, 0, 1) == -1 ? -1 : one[0] & 0xff;
    }

    @Override
    public int available() {
        return current.length - position;
    }

    @Override
    public void close() {
        closed = true;
    }
}
