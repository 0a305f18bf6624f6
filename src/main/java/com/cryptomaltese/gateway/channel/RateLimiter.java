package com.cryptomaltese.gateway.channel;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * At most {@code limit} messages per user within any sliding {@code window}. A refused message
 * does not count, so a user who keeps writing is let in again as soon as the window allows. Users
 * with nothing inside the window are forgotten, so the memory follows the users active in one
 * window, not every user ever seen.
 */
public final class RateLimiter {

    /** How often (in calls) the users of past windows are forgotten. */
    private static final int SWEEP_EVERY = 1000;

    private final int limit;
    private final Duration window;
    private final Clock clock;
    private final Map<String, Deque<Instant>> recent = new ConcurrentHashMap<>();
    private final AtomicLong calls = new AtomicLong();

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
        if (calls.incrementAndGet() % SWEEP_EVERY == 0) {
            // Users who stopped writing: their last message has left the window (per user, atomically).
            for (String known : recent.keySet()) {
                recent.computeIfPresent(known, (u, times) -> times.isEmpty() || !times.peekLast().isAfter(oldestKept)
                        ? null : times);
            }
        }
        boolean[] allowed = new boolean[1];
        // compute() runs atomically per user, so a sweep or another thread never loses a message counted here.
        recent.compute(user, (u, times) -> {
            Deque<Instant> kept = times != null ? times : new ArrayDeque<>();
            while (!kept.isEmpty() && !kept.peekFirst().isAfter(oldestKept)) {
                kept.pollFirst();
            }
            allowed[0] = kept.size() < limit;
            if (allowed[0]) {
                kept.addLast(now);
            }
            return kept.isEmpty() ? null : kept;
        });
        return allowed[0];
    }

    /** Users remembered now (those with a message inside the window, until the next sweep). */
    int remembered() {
        return recent.size();
    }
}
