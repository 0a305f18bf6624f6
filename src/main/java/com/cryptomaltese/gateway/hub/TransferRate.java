package com.cryptomaltese.gateway.hub;

import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.concurrent.TimeUnit;

/**
 * Bytes per second over the last few seconds, from samples of a byte count taken about once a
 * second: the speed a person watching a download expects. An average since the start hides a
 * stall for minutes (a transfer that slows from 10 MB/s to 100 KB/s still showed megabytes a
 * second, and its time left stayed seconds).
 */
final class TransferRate {

    static final long WINDOW_NANOS = TimeUnit.SECONDS.toNanos(5);

    /** (nanoTime, bytes) pairs, oldest first; the oldest is at most one sample beyond the window. */
    private final ArrayDeque<long[]> samples = new ArrayDeque<>();

    TransferRate(long startNanos) {
        samples.add(new long[] {startNanos, 0});
    }

    synchronized void sample(long nanos, long bytes) {
        samples.addLast(new long[] {nanos, bytes});
        while (samples.size() > 1 && nanos - second()[0] >= WINDOW_NANOS) {
            samples.removeFirst();
        }
    }

    /** Bytes per second from the oldest sample kept to {@code bytes} at {@code nanos}; 0 before any time passed. */
    synchronized long perSecond(long nanos, long bytes) {
        long[] first = samples.peekFirst();
        long elapsed = nanos - first[0];
        return elapsed <= 0 ? 0 : (long) ((bytes - first[1]) * 1e9 / elapsed);
    }

    private long[] second() {
        Iterator<long[]> it = samples.iterator();
        it.next();
        return it.next();
    }
}
