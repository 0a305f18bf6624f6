package com.cryptomaltese.gateway.admin;

import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

import org.springframework.stereotype.Component;

/**
 * One maintenance run at a time: cleanups, log purges and the scheduled purge wait for each other.
 * Two runs over the same folders raced: each found files the other had just deleted, answered 500 on
 * a file gone between listing and reading it, or logged a warning per file.
 */
@Component
class MaintenanceLock {

    private final ReentrantLock lock = new ReentrantLock(true);

    <T> T exclusively(Supplier<T> run) {
        lock.lock();
        try {
            return run.get();
        } finally {
            lock.unlock();
        }
    }
}
