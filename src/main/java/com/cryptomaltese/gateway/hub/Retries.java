package com.cryptomaltese.gateway.hub;

import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import com.cryptomaltese.gateway.hub.HubException.Kind;

/**
 * Tries of Hub requests: exponential backoff from {@code initialBackoff} up to {@code maxBackoff}
 * (a 429's Retry-After wins, within the same cap), {@code maxAttempts} tries, and never another
 * once the download is stopping.
 */
final class Retries {

    private final HubProperties settings;

    Retries(HubProperties settings) {
        this.settings = settings;
    }

    int maxAttempts() {
        return settings.maxAttempts();
    }

    /** Runs {@code call}, trying again after a 429, a 5xx or a network failure until the attempts run out. */
    <T> T call(Download job, Supplier<T> call) {
        for (int attempt = 1; ; attempt++) {
            try {
                return call.get();
            } catch (HubException e) {
                if (job.stopping()) {
                    throw new HubException(Kind.CANCELLED, "download of " + job.id + " was stopped");
                }
                if (!e.retryable() || attempt >= settings.maxAttempts()) {
                    throw attempt > 1 && e.retryable()
                            ? new HubException(e.kind(), e.getMessage() + " (gave up after " + attempt + " attempts)") : e;
                }
                try {
                    pause(job, attempt, e);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw new HubException(Kind.CANCELLED, "download of " + job.id + " was interrupted");
                }
                if (job.stopping()) {
                    throw new HubException(Kind.CANCELLED, "download of " + job.id + " was stopped");
                }
            }
        }
    }

    /** Waits before another try; a cancel, a failed sibling transfer or a shutdown ends the wait at once. */
    void pause(Download job, int attempt, HubException cause) throws InterruptedException {
        long max = settings.maxBackoff().toMillis();
        long wait = Math.min(max, settings.initialBackoff().toMillis() << Math.min(20, attempt - 1));
        if (cause instanceof HubClient.RetryAfter retryAfter && retryAfter.seconds >= 0) {
            wait = Math.min(max, TimeUnit.SECONDS.toMillis(retryAfter.seconds));
        }
        job.stopSignal.await(Math.max(0, wait), TimeUnit.MILLISECONDS);
    }
}
