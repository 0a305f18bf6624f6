package com.cryptomaltese.gateway.channel;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * At most {@code limit} messages per user within any sliding {@code window}. A refused message
 * does not count, so a user who keeps writing is let in again as soon as the window allows.
 */
public final class RateLimiter {

    private final int limit;
    private final Duration window;
    private final Clock clock;
    private final Map<String, Deque<Instant>> recent = new ConcurrentHashMap<>();

    public RateLimiter(int limit, Duration window, Clock clock) {
        if (limit < 1 || window.isNegative() || window.isZero()) {
            throw new IllegalArgumentException("rate limit needs limit >= 1 and a positive window, got "
                    + limit + " per " + window);
        }
        this.limit = limit;
        this.window = window;
        this.clock = clock;
    }

    /** Whether the user may send one more message now; counts it when so. */
    public boolean tryAcquire(String user) {
        Instant now = clock.instant();
        Instant oldestKept = now.minus(window);
        Deque<Instant> times = recent.computeIfAbsent(user, u -> new ArrayDeque<>());
        synchronized (times) {
            while (!times.isEmpty() && !times.peekFirst().isAfter(oldestKept)) {
                times.pollFirst();
            }
            if (times.size() >= limit) {
                return false;
            }
            times.addLast(now);
            return true;
        }
    }
}
