package com.cryptomaltese.gateway.hub;

import java.io.Closeable;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import com.cryptomaltese.gateway.model.ModelId;

/** One download of one model: its request, its state and its progress counters. */
final class Download {

    enum State { DOWNLOADING, COMPLETED, ERROR, CANCELLED, INTERRUPTED }

    final ModelId id;
    /** Branch, tag or commit as requested; the listing names the commit it resolved to. */
    final String revision;
    final String requestedFormat;
    final String quant;
    /** Held in memory only while the download runs; cleared when it ends. */
    volatile String token;
    final CompletableFuture<Void> prepared = new CompletableFuture<>();
    final Instant startedAt;
    final long startNanos = System.nanoTime();
    final AtomicLong bytesDone = new AtomicLong();
    final AtomicLong received = new AtomicLong();
    /** {@link #received} sampled once a second by the manager, for the speed of the last seconds. */
    final TransferRate rate = new TransferRate(startNanos);
    final AtomicInteger filesDone = new AtomicInteger();
    /** Transfer threads of this download running now. */
    final AtomicInteger running = new AtomicInteger();
    final Set<String> current = ConcurrentHashMap.newKeySet();
    final Set<Closeable> open = ConcurrentHashMap.newKeySet();
    final List<Future<?>> transfers = new CopyOnWriteArrayList<>();
    /** Per file: the blob it ended in and the sha256 of its content. */
    final Map<String, String[]> done = new ConcurrentHashMap<>();

    volatile HubListing listing;
    volatile FileSelection.Choice choice;
    /**
     * Bytes this download has to write, what was on disk when it started not counted, plus any partial
     * file it had to start afresh; less {@link #received}, its remaining disk promise.
     */
    final AtomicLong needed = new AtomicLong();
    /**
     * Bytes of the chosen files already on disk when the download started (complete blobs, partial
     * files), shown until the transfers, which count each file as they reach it, have counted more.
     */
    volatile long onDiskAtStart;
    /** Counted down when the download is to stop, so a wait between retries ends at once. */
    final CountDownLatch stopSignal = new CountDownLatch(1);
    volatile State state = State.DOWNLOADING;
    volatile boolean cancelled;
    volatile String error;
    volatile Instant finishedAt;

    Download(ModelId id, String revision, String requestedFormat, String quant, String token) {
        this(id, revision, requestedFormat, quant, token, Instant.now());
    }

    Download(ModelId id, String revision, String requestedFormat, String quant, String token, Instant startedAt) {
        this.id = id;
        this.revision = revision;
        this.requestedFormat = requestedFormat;
        this.quant = quant;
        this.token = token;
        this.startedAt = startedAt;
    }

    boolean finished() {
        return state != State.DOWNLOADING;
    }

    void cancelledOthers() {
        // One transfer failed: the others stop at their next read.
        stopOthers = true;
        stopSignal.countDown();
    }

    void cancel() {
        cancelled = true;
        stopSignal.countDown();
    }

    void interrupt() {
        interrupted = true;
        stopSignal.countDown();
    }

    volatile boolean stopOthers;
    /** The gateway is shutting down: the download stops, keeps its partial files and its record says "downloading". */
    volatile boolean interrupted;

    boolean stopping() {
        return cancelled || stopOthers || interrupted || state != State.DOWNLOADING;
    }

    /** Failed, or cut short by a restart: no usable model came of it and the reason is known. */
    boolean failed() {
        return state == State.ERROR || state == State.INTERRUPTED;
    }

    String currentFile() {
        return current.stream().sorted().findFirst().orElse(null);
    }

    DownloadProgress progress() {
        FileSelection.Choice c = choice;
        long total = c == null ? 0 : c.totalBytes();
        long doneBytes = Math.min(Math.max(bytesDone.get(), onDiskAtStart), total);
        if (state == State.COMPLETED) {
            doneBytes = total;
        }
        long speed;
        Instant end = finishedAt;
        if (finished() && end != null) {
            // Over: its average, which no later look changes.
            double seconds = Duration.between(startedAt, end).toMillis() / 1000.0;
            speed = seconds > 0 ? (long) (received.get() / seconds) : 0;
        } else {
            speed = rate.perSecond(System.nanoTime(), received.get());
        }
        Long eta = state == State.COMPLETED ? Long.valueOf(0)
                : speed > 0 && c != null ? Long.valueOf((total - doneBytes + speed - 1) / speed) : null;
        double percent = total == 0 ? (state == State.COMPLETED ? 100.0 : 0.0)
                : Math.floor(doneBytes * 1000.0 / total) / 10.0;
        return new DownloadProgress(wire(state), c == null ? requestedFormat : c.format(),
                listing == null ? null : listing.commit(), revision, doneBytes, total, percent, speed, eta,
                state == State.DOWNLOADING ? currentFile() : null, filesDone.get(),
                c == null ? 0 : c.files().size(), startedAt, finishedAt, error);
    }

    static String wire(State state) {
        return switch (state) {
            case DOWNLOADING -> "downloading";
            case COMPLETED -> "completed";
            case ERROR -> "error";
            case CANCELLED -> "cancelled";
            case INTERRUPTED -> "interrupted";
        };
    }
}
