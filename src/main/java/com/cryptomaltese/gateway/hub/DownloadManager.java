package com.cryptomaltese.gateway.hub;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.stream.Collectors;

import javax.net.ssl.SSLContext;

import com.cryptomaltese.gateway.api.ApiException;
import com.cryptomaltese.gateway.api.FieldProblem;
import com.cryptomaltese.gateway.hub.HubException.Kind;
import com.cryptomaltese.gateway.hub.HubListing.HubFile;
import com.cryptomaltese.gateway.model.ModelFormat;
import com.cryptomaltese.gateway.model.ModelId;
import com.cryptomaltese.gateway.model.ModelRegistry;
import jakarta.annotation.PreDestroy;
import org.apache.hc.core5.ssl.SSLContexts;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.ssl.SslBundles;
import org.springframework.stereotype.Component;

/**
 * Runs Hub downloads in the background into the Hugging Face cache layout.
 * <ul>
 * <li>The file list is read when the download is requested, so a missing repo, a refused token, a
 *     missing format or too little disk are the request's answer; a Hub slower than
 *     {@code answerWithin} is waited for in the background, and its refusal becomes the download's error.</li>
 * <li>Files go to {@code blobs/<hash>.incomplete}, continue with a Range request after a dropped
 *     connection or a restart, are checked (sha256 for LFS files, the git blob id for the others)
 *     and only then renamed atomically to {@code blobs/<hash>}.</li>
 * <li>The snapshot's symlinks are built in a hidden folder and renamed to {@code snapshots/<commit>}
 *     when every file is in place; {@code refs/main} is written last. Until then the model is not
 *     on disk as far as {@link ModelRegistry} can tell, so a failed or cancelled download never
 *     looks usable.</li>
 * <li>At most {@code parallelFiles} transfers run at once over all downloads, on threads of their own:
 *     chat never waits for a download.</li>
 * </ul>
 */
@Component
public class DownloadManager {

    private static final Logger log = LoggerFactory.getLogger(DownloadManager.class);
    /**
     * What a failure record is given beyond its own bytes when the disk is full ({@link #writeFailure}):
     * enough for any file system's block rounding and metadata, and little to fetch again later.
     */
    private static final long RECORD_ROOM = 1L << 20;

    private final HubProperties settings;
    private final HubClient client;
    private final Path modelsDir;
    private final Predicate<ModelId> usableOnDisk;
    private final Map<ModelId, Download> jobs = new ConcurrentHashMap<>();
    private final ExecutorService coordinators;
    private final ExecutorService transfers;
    /** Threads hashing ({@link TrailingHash}) and writing ({@link PartFile}) files behind their transfers. */
    private final ExecutorService fileThreads;
    private final ScheduledExecutorService watchdog;
    private final Retries retries;
    private final FileTransfer files;
    /** Held while a download's disk check runs and its files become promised ({@link #checkDisk}). */
    private final Object diskPromises = new Object();
    /** Model folders whose files are being removed, with how many removals run there; guarded by {@code jobs}. */
    private final Map<Path, Integer> clearing = new java.util.HashMap<>();
    /**
     * Runs when every file of a download is in place and its cancel has been looked at for the last
     * time, just before the snapshot is published: a cancel from here on finds the download completing.
     * Does nothing but in tests, which hold a download here to race a DELETE with its completion.
     */
    volatile Consumer<Download> beforePublish = job -> { };
    /** How long a cancel waits for its download to stop; tests shorten it. */
    volatile Duration cancelWait = Duration.ofSeconds(30);

    @Autowired
    DownloadManager(HubProperties settings, ModelRegistry registry, SslBundles bundles) {
        this(settings, registry.modelsDir(), id -> registry.find(id).isPresent(), tls(settings, bundles));
    }

    /** With the JVM's trust store. */
    DownloadManager(HubProperties settings, Path modelsDir, Predicate<ModelId> usableOnDisk) {
        this(settings, modelsDir, usableOnDisk, SSLContexts.createSystemDefault());
    }

    DownloadManager(HubProperties settings, Path modelsDir, Predicate<ModelId> usableOnDisk, SSLContext tls) {
        this.settings = settings;
        this.client = new HubClient(settings.endpoint(), settings.connectTimeout(), settings.readTimeout(), tls);
        this.modelsDir = modelsDir;
        this.usableOnDisk = usableOnDisk;
        this.coordinators = Executors.newCachedThreadPool(threads("hub-download"));
        this.transfers = Executors.newFixedThreadPool(Math.max(1, settings.parallelFiles()), threads("hub-transfer"));
        this.fileThreads = Executors.newCachedThreadPool(threads("hub-file"));
        this.retries = new Retries(settings);
        this.files = new FileTransfer(client, retries, settings.readTimeout(), fileThreads);
        this.watchdog = Executors.newSingleThreadScheduledExecutor(threads("hub-watchdog"));
        long every = Math.max(50, settings.readTimeout().toMillis() / 4);
        watchdog.scheduleWithFixedDelay(files::dropStalled, every, every, TimeUnit.MILLISECONDS);
        watchdog.scheduleAtFixedRate(this::sampleSpeeds, 1, 1, TimeUnit.SECONDS);
        restore();
    }

    /**
     * The named SSL bundle's context, so a mirror behind a private CA can be trusted without touching
     * the JVM's trust store; else the JVM's default (which honours {@code javax.net.ssl.trustStore}).
     * An unknown bundle name stops the start-up with Spring's message naming it.
     */
    static SSLContext tls(HubProperties settings, SslBundles bundles) {
        String name = settings.sslBundle();
        return name == null || name.isBlank() ? SSLContexts.createSystemDefault()
                : bundles.getBundle(name.strip()).createSslContext();
    }

    /** The answer to a download request. */
    public record Started(ModelId id, boolean joined, DownloadProgress progress) {
    }

    /**
     * Starts downloading {@code id}, or joins the download of it that is running. Answers when the
     * file list is read and the disk checked, or after {@code answerWithin} while the Hub is still
     * slow (then with no file list yet); the files come in the background.
     *
     * @param revision branch, tag or commit; {@code main} when null or blank
     * @param format   null for the default (safetensors, else gguf, onnx, pytorch)
     * @param quant    a GGUF quantisation such as Q4_K_M, or null
     * @param token    the request's token; the configured HF_TOKEN when blank
     */
    public Started start(ModelId id, String revision, String format, String quant, String token) {
        String useRevision = revision == null || revision.isBlank() ? "main" : revision;
        String problem = CachePaths.revisionProblem(useRevision);
        if (problem != null) {
            throw ApiException.badRequest("revision", problem);
        }
        String useToken = token == null || token.isBlank() ? settings.token() : token;
        Download job;
        boolean created = false;
        synchronized (jobs) {
            job = jobs.get(id);
            if ((job == null || job.finished()) && clearing.containsKey(folderOf(id))) {
                throw ApiException.conflict("the files of " + id + " are being removed (cleanup or delete); "
                        + "try again in a moment");
            }
            if (job == null || job.finished()) {
                job = new Download(id, useRevision, format, quant, useToken);
                jobs.put(id, job);
                created = true;
            }
        }
        if (created) {
            Download started = job;
            try {
                coordinators.submit(() -> {
                    if (prepared(started)) {
                        run(started);
                    }
                });
            } catch (java.util.concurrent.RejectedExecutionException e) {
                jobs.remove(id, started);
                finish(started, Download.State.ERROR, "the gateway is shutting down");
                started.prepared.completeExceptionally(ApiException.unavailable("the gateway is shutting down", null));
            }
        }
        // The answer waits for the file list and the disk check (their refusals are the request's
        // errors), but not for long: a Hub that is slow or retried goes on in the background.
        try {
            job.prepared.get(settings.answerWithin().toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof HubException hub ? toApi(hub) : e.getCause() instanceof ApiException api ? api
                    : new ApiException(502, "the download of " + id + " could not start: " + e.getCause().getMessage(),
                    List.of(), null);
        } catch (TimeoutException e) {
            log.info("The Hub's file list for {} is slow to come; the download goes on in the background", id);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ApiException(503, "interrupted", List.of(), null);
        }
        if (!created) {
            // After the wait: what the running download fetches is known once its file list is read.
            refuseADifferentRequest(job, useRevision, format, quant);
        }
        return new Started(id, !created, job.progress());
    }

    /**
     * A request joins the running download of its model only when it asks for what that download
     * fetches: the same revision, and the same format and quantisation when it names them. Before
     * the download's file list is read, a format or quantisation it was not asked for cannot be
     * told apart: 503, ask again in a moment.
     */
    private static void refuseADifferentRequest(Download job, String revision, String format, String quant) {
        String running = null;
        String asked = null;
        FileSelection.Choice choice = job.choice;
        boolean unknown = choice == null && job.revision.equals(revision)
                && ((format != null && !format.equals(job.requestedFormat))
                || (quant != null && !quant.equalsIgnoreCase(job.quant)));
        if (unknown) {
            throw ApiException.unavailable("a download of " + job.id + " is starting and the Hub's file list has not "
                    + "come yet, so whether it fetches " + (quant != null ? quant : format) + " is not known; "
                    + "ask again in a moment", Duration.ofSeconds(5));
        }
        String jobFormat = choice != null ? choice.format() : job.requestedFormat;
        String jobQuant = choice == null ? job.quant : choice.files().stream().map(HubFile::path)
                .filter(p -> p.endsWith(".gguf")).findFirst().map(FileSelection::quantOf).orElse(null);
        if (!job.revision.equals(revision)) {
            running = "at revision " + job.revision;
            asked = "revision " + revision;
        } else if (format != null && jobFormat != null && !format.equals(jobFormat)) {
            running = "as " + jobFormat;
            asked = format;
        } else if (quant != null && jobQuant != null && !quant.equalsIgnoreCase(jobQuant)) {
            running = "as " + (jobQuant.isEmpty() ? "an unnamed GGUF file" : jobQuant);
            asked = quant;
        }
        if (running != null) {
            throw ApiException.conflict("a download of " + job.id + " " + running + " is running; wait for it or "
                    + "cancel it (DELETE) before asking for " + asked);
        }
    }

    /** Lists, chooses and checks; false (the job finished with the reason) when the download cannot go on. */
    private boolean prepared(Download job) {
        try {
            prepare(job);
            DownloadRecord.of(job).write(job.id.cacheFolderIn(modelsDir));
            job.prepared.complete(null);
            log.info("Downloading {} at {} ({}, commit {}, {} files, {} bytes)", job.id, job.revision,
                    job.choice.format(), job.listing.commit(), job.choice.files().size(), job.choice.totalBytes());
            return true;
        } catch (HubException e) {
            job.token = null;
            if (e.kind() == Kind.CANCELLED) {
                // A cancel leaves nothing listed; gone before finished, so the canceller finds it gone.
                jobs.remove(job.id, job);
                finish(job, Download.State.CANCELLED, e.getMessage());
            } else {
                finish(job, Download.State.ERROR, e.getMessage());
                log.warn("Download of {} could not start: {}", job.id, e.getMessage());
            }
            job.prepared.completeExceptionally(e);
        } catch (IOException | RuntimeException e) {
            job.token = null;
            String reason = e instanceof ApiException ? e.getMessage() : "the download could not start: " + e.getMessage();
            finish(job, Download.State.ERROR, reason);
            log.warn("Download of {} could not start: {}", job.id, reason);
            job.prepared.completeExceptionally(e instanceof IOException io ? new UncheckedIOException(io) : e);
        } catch (Error e) {
            job.token = null;
            finish(job, Download.State.ERROR, "the download could not start: " + e);
            job.prepared.completeExceptionally(e);
            throw e;
        }
        return false;
    }

    private void sampleSpeeds() {
        long now = System.nanoTime();
        jobs.values().stream().filter(job -> !job.finished()).forEach(job -> job.rate.sample(now, job.received.get()));
    }

    /** The latest download of {@code id}: running, failed or finished since the start. */
    public Optional<DownloadProgress> progress(ModelId id) {
        return Optional.ofNullable(jobs.get(id)).map(Download::progress);
    }

    public boolean downloading(ModelId id) {
        Download job = jobs.get(id);
        return job != null && !job.finished();
    }

    /** Every model with a download record (running, failed, completed), with its progress. */
    public Map<ModelId, DownloadProgress> all() {
        Map<ModelId, DownloadProgress> all = new java.util.TreeMap<>(java.util.Comparator.comparing(ModelId::toString));
        jobs.forEach((id, job) -> all.put(id, job.progress()));
        return all;
    }

    /** Why the last download of {@code id} failed or what interrupted it, if it did not complete. */
    public Optional<String> failure(ModelId id) {
        Download job = jobs.get(id);
        return job != null && job.failed() ? Optional.ofNullable(job.error) : Optional.empty();
    }

    /**
     * Cancels a running download, or forgets a failed one; either way what was fetched is removed
     * unless an earlier complete copy of the model is on disk. False when there is nothing to cancel,
     * also when the download completed before the cancel reached it (the model is then on disk); a 503
     * when the download has not stopped within {@link #cancelWait}.
     */
    public boolean cancel(ModelId id) {
        Download job = jobs.get(id);
        if (job == null || job.state == Download.State.COMPLETED) {
            return false;
        }
        if (job.finished()) {
            Path folder = folderOf(id);
            synchronized (jobs) {
                if (!jobs.remove(id, job)) {
                    return true;
                }
                markClearing(folder);
            }
            try {
                removeLeftovers(job);
            } finally {
                unmarkClearing(folder);
            }
            return true;
        }
        job.cancel();
        closeStreams(job);
        job.transfers.forEach(f -> f.cancel(true));
        // The coordinator finishes the job; wait for it (bounded) so the answer means "gone".
        long deadline = System.nanoTime() + cancelWait.toNanos();
        while (!job.finished() && System.nanoTime() < deadline) {
            closeStreams(job);
            sleepQuietly(20);
        }
        if (!job.finished()) {
            // Still publishing (thousands of files on a slow disk): "cancelled" would be untrue, since the
            // model may yet appear. The same request later finds it cancelled or completed.
            throw ApiException.unavailable("the download of " + id + " is still stopping (its files are being "
                    + "put in place); send the request again to cancel it or delete the model", Duration.ofSeconds(2));
        }
        return job.state != Download.State.COMPLETED;
    }

    /** Forgets the download record of a model that was deleted from disk. */
    public void forget(ModelId id) {
        Download job = jobs.get(id);
        if (job != null && job.finished()) {
            jobs.remove(id, job);
        }
    }

    /**
     * The models folder's part of {@code clean_cache}. In every model folder no download is running
     * in, the leftovers of downloads go ({@link CacheLeftovers}); a folder without a complete snapshot
     * (a download that never completed) goes whole. With its part files gone, a failed or interrupted
     * download is forgotten, record and all, so the model no longer shows as an error. A download
     * cannot start in a folder while it is being cleaned.
     *
     * @param remove deletes one file (never following a link) and counts it
     */
    public void cleanLeftovers(Consumer<Path> remove) {
        if (!Files.isDirectory(modelsDir)) {
            return;
        }
        try (DirectoryStream<Path> folders = Files.newDirectoryStream(modelsDir, "models--*")) {
            for (Path found : folders) {
                Path folder = found.toAbsolutePath().normalize();
                if (!Files.isDirectory(folder, LinkOption.NOFOLLOW_LINKS)) {
                    continue;
                }
                // Marked under the lock, deleted outside it: other downloads start meanwhile, not in this folder.
                synchronized (jobs) {
                    if (clearing.containsKey(folder)
                            || jobs.values().stream().anyMatch(job -> !job.finished() && in(folder, job))) {
                        continue;
                    }
                    markClearing(folder);
                }
                try {
                    if (CacheLeftovers.hasSnapshot(folder)) {
                        IOException failure = null;
                        try {
                            CacheLeftovers.clean(folder, remove::accept);
                        } catch (IOException e) {
                            failure = e;
                        }
                        Path record = folder.resolve(CachePaths.REQUEST);
                        if (Files.exists(record, LinkOption.NOFOLLOW_LINKS)) {
                            remove.accept(record);
                        }
                        if (failure != null) {
                            throw failure;
                        }
                    } else {
                        CacheLeftovers.removeTree(folder, remove::accept);
                    }
                } catch (IOException e) {
                    log.warn("Could not clean what downloads left in {}: {}", folder.getFileName(), e.getMessage());
                } finally {
                    synchronized (jobs) {
                        jobs.values().removeIf(job -> job.finished() && job.state != Download.State.COMPLETED
                                && in(folder, job));
                        unmarkClearing(folder);
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list the models directory", e);
        }
    }

    private boolean in(Path folder, Download job) {
        return folderOf(job.id).equals(folder);
    }

    private Path folderOf(ModelId id) {
        return id.cacheFolderIn(modelsDir).toAbsolutePath().normalize();
    }

    /** Under the jobs lock: files of {@code folder} are being removed, so no download may start in it. */
    private void markClearing(Path folder) {
        clearing.merge(folder, 1, Integer::sum);
    }

    private void unmarkClearing(Path folder) {
        synchronized (jobs) {
            clearing.computeIfPresent(folder, (key, n) -> n == 1 ? null : n - 1);
        }
    }

    /** Removes a model folder (never following links) and its download record. */
    public void deleteModel(ModelId id) {
        removeModelFolder(id, Files::deleteIfExists);
    }

    /**
     * Deletes a model's folder, each file through {@code remove} (which counts it), unless a download
     * of it is running (409). A download cannot start in the folder meanwhile.
     */
    public void deleteModel(ModelId id, Consumer<Path> remove) {
        removeModelFolder(id, remove::accept);
    }

    private void removeModelFolder(ModelId id, CacheLeftovers.Remover remove) {
        Path folder = folderOf(id);
        synchronized (jobs) {
            Download job = jobs.get(id);
            if (job != null && !job.finished()) {
                // Started since the caller cancelled: its files are not this delete's to take.
                throw ApiException.conflict("a download of " + id + " has just started; cancel it (DELETE) first");
            }
            markClearing(folder);
        }
        try {
            if (Files.exists(folder, LinkOption.NOFOLLOW_LINKS)) {
                CacheLeftovers.removeTree(folder, remove);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("could not delete model " + id, e);
        } finally {
            synchronized (jobs) {
                Download job = jobs.get(id);
                if (job != null && job.finished()) {
                    jobs.remove(id, job);
                }
                unmarkClearing(folder);
            }
        }
    }

    // ---- preparation: list, choose, check ----

    private void prepare(Download job) throws IOException {
        String repo = job.id.toString();
        HubListing listing = retries.call(job, () -> client.listing(repo, job.revision, job.token, job.open));
        CachePaths.commit(listing.commit());
        // Every name the Hub sends must be safe, chosen or not: a list holding ../../etc/passwd is hostile.
        for (HubFile file : listing.files()) {
            CachePaths.checkName(file.path());
        }
        FileSelection.Choice choice = FileSelection.choose(listing, job.requestedFormat, job.quant);
        // The chosen ones must also be nameable here (a JVM without a UTF-8 locale cannot name README_中文.md).
        Path snapshot = new CachePaths(job.id.cacheFolderIn(modelsDir)).snapshot(listing.commit());
        for (HubFile file : choice.files()) {
            CachePaths.safeRelative(snapshot, file.path());
        }
        refuseASecondFormat(job, listing.commit(), choice);
        job.listing = listing;
        // Checked and then counted as promised in one step, so two downloads cannot both count the same free bytes.
        synchronized (diskPromises) {
            checkDisk(job, choice);
            job.choice = choice;
        }
    }

    /**
     * One format per snapshot, and one GGUF file: the engines tell a model's format from its files
     * and load the GGUF file there is, so ONNX files added to a snapshot that holds safetensors, or a
     * second quantisation beside the first, would never run, and the record would name files the
     * model does not load. Another format or quantisation of the same commit needs the model deleted first.
     */
    private void refuseASecondFormat(Download job, String commit, FileSelection.Choice choice) throws IOException {
        Path snapshot = new CachePaths(job.id.cacheFolderIn(modelsDir)).snapshot(commit);
        if (!Files.isDirectory(snapshot, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        List<String> names;
        try (var files = Files.walk(snapshot)) {
            names = files.map(p -> snapshot.relativize(p).toString()).toList();
        }
        ModelFormat present = ModelFormat.detect(names);
        String format = choice.format();
        String onDisk = null;
        if (present != ModelFormat.UNKNOWN && !present.wireName().equals(format)) {
            onDisk = present.wireName() + "; the gateway keeps one format per model";
        } else if (format.equals("gguf")) {
            Set<String> chosen = choice.files().stream().map(HubFile::path).filter(p -> p.endsWith(".gguf"))
                    .collect(Collectors.toCollection(java.util.TreeSet::new));
            onDisk = names.stream().filter(n -> n.endsWith(".gguf") && !chosen.contains(n)).findFirst()
                    .map(n -> n + "; the gateway keeps one GGUF file per model").orElse(null);
            format = "GGUF " + String.join(", ", chosen);
        }
        if (onDisk != null) {
            throw new HubException(Kind.CONFLICT, job.id + " at commit " + commit + " is on disk as " + onDisk
                    + ": delete it (DELETE /api/v1/models/{model_id}) before downloading it as " + format);
        }
    }

    private void checkDisk(Download job, FileSelection.Choice choice) {
        CachePaths paths = new CachePaths(job.id.cacheFolderIn(modelsDir));
        long needed = 0;
        for (HubFile file : choice.files()) {
            String name = FileTransfer.blobName(file);
            long size = Math.max(0, file.size());
            if (name != null && Files.exists(paths.blob(name))) {
                continue;
            }
            Path part = paths.incomplete(name != null ? name : FileTransfer.pathKey(file));
            needed += Math.max(0, size - (Files.exists(part) ? CachePaths.sizeOf(part) : 0));
        }
        long free;
        try {
            Files.createDirectories(modelsDir);
            free = Files.getFileStore(modelsDir).getUsableSpace();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot check free disk space in the models directory", e);
        }
        long margin = settings.diskMargin().toBytes();
        // Bytes that running downloads have yet to write are as good as taken.
        long promised = jobs.values().stream().filter(other -> other != job && !other.finished() && other.choice != null)
                .mapToLong(other -> Math.max(0, other.needed.get() - other.received.get())).sum();
        if (free - promised < needed + margin) {
            throw new HubException(Kind.DISK, "not enough disk space to download " + job.id + ": it needs "
                    + needed + " bytes (" + human(needed) + ") plus a margin of " + margin + " bytes (" + human(margin)
                    + "), but only " + free + " bytes (" + human(free) + ") are free"
                    + (promised == 0 ? "" : ", of which downloads under way still need " + promised + " bytes ("
                    + human(promised) + ")"));
        }
        job.needed.set(needed);
        job.onDiskAtStart = choice.totalBytes() - needed;
    }

    // ---- the background part ----

    private void run(Download job) {
        try {
            Files.createDirectories(new CachePaths(job.id.cacheFolderIn(modelsDir)).blobs());
            // Files with the same content (two "{}" files, a weights file under two names) share one
            // blob and so one part file: one transfer fetches it, then the others find it in place.
            Map<String, List<HubFile>> byBlob = new LinkedHashMap<>();
            for (HubFile file : job.choice.files()) {
                String name = FileTransfer.blobName(file);
                byBlob.computeIfAbsent(name != null ? name : FileTransfer.pathKey(file), key -> new ArrayList<>()).add(file);
            }
            for (List<HubFile> sameBlob : byBlob.values()) {
                job.transfers.add(transfers.submit(() -> {
                    job.running.incrementAndGet();
                    try {
                        for (HubFile file : sameBlob) {
                            files.fetch(job, folderOf(job.id), file);
                        }
                        return null;
                    } finally {
                        job.running.decrementAndGet();
                    }
                }));
            }
            for (Future<?> transfer : job.transfers) {
                try {
                    transfer.get();
                } catch (ExecutionException e) {
                    job.cancelledOthers();
                    throw e.getCause();
                } catch (java.util.concurrent.CancellationException e) {
                    throw new HubException(Kind.CANCELLED, "download of " + job.id + " was cancelled");
                }
            }
            if (job.cancelled) {
                throw new HubException(Kind.CANCELLED, "download of " + job.id + " was cancelled");
            }
            beforePublish.accept(job);
            publish(job);
            DownloadRecord.delete(job.id.cacheFolderIn(modelsDir));
            finish(job, Download.State.COMPLETED, null);
            log.info("Downloaded {} at {} (commit {})", job.id, job.revision, job.listing.commit());
        } catch (Throwable t) {
            job.cancelledOthers();
            closeStreams(job);
            job.transfers.forEach(f -> f.cancel(true));
            waitForTransfers(job);
            if (job.cancelled) {
                removeLeftovers(job);
                jobs.remove(job.id, job);
                finish(job, Download.State.CANCELLED, null);
                log.info("Download of {} cancelled", job.id);
            } else if (job.interrupted) {
                // The record on disk still says "downloading": the next start reads it as interrupted.
                finish(job, Download.State.INTERRUPTED, "the download of " + job.id + " was interrupted by a shutdown");
                log.info("Download of {} interrupted by the shutdown; its partial files are kept", job.id);
            } else {
                String message = t instanceof HubException ? t.getMessage()
                        : "download of " + job.id + " failed: " + (t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage());
                // Recorded and finished in one step: a cleanup sees it running, or finished with its record.
                synchronized (jobs) {
                    finish(job, Download.State.ERROR, message);
                    persistFailure(job);
                }
                log.warn("Download of {} failed: {}", job.id, message);
            }
        } finally {
            job.token = null;
        }
    }

    /** Links the snapshot (built hidden, then renamed into place), writes the metadata, then refs/main. */
    private void publish(Download job) throws IOException {
        CachePaths paths = new CachePaths(job.id.cacheFolderIn(modelsDir));
        String commit = CachePaths.commit(job.listing.commit());
        Path snapshot = paths.snapshot(commit);
        Files.createDirectories(snapshot.getParent());
        boolean fresh = !Files.isDirectory(snapshot);
        Path target = fresh ? snapshot.resolveSibling("." + commit + "-" + UUID.randomUUID() + ".tmp") : snapshot;
        List<ModelMetadata.FileRecord> records = new ArrayList<>();
        long size = 0;
        for (HubFile file : job.choice.files()) {
            String[] done = job.done.get(file.path());
            Path blob = paths.blob(done[0]);
            Path link = CachePaths.safeRelative(target, file.path());
            Files.createDirectories(link.getParent());
            Path tmp = link.resolveSibling(link.getFileName() + ".tmp-link");
            Files.deleteIfExists(tmp);
            Files.createSymbolicLink(tmp, link.getParent().relativize(blob));
            Files.move(tmp, link, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            long bytes = CachePaths.sizeOf(blob);
            size += bytes;
            records.add(new ModelMetadata.FileRecord(file.path(), bytes, done[1]));
        }
        if (fresh) {
            try {
                Files.move(target, snapshot, StandardCopyOption.ATOMIC_MOVE);
            } catch (IOException e) {
                deleteTree(target);
                throw e;
            }
        }
        new ModelMetadata("huggingface", job.id.toString(), job.revision, commit, job.choice.format(), size,
                Instant.now(), List.copyOf(records)).write(paths.folder());
        // As huggingface-cli: a branch or tag gets refs/<revision>; a commit asked for by its sha needs none.
        if (!job.revision.equals(commit)) {
            Path ref = paths.ref(job.revision);
            Files.createDirectories(ref.getParent());
            AtomicWrite.replace(ref, tmp -> Files.writeString(tmp, commit, StandardCharsets.UTF_8));
        }
    }

    /** After a cancel: partial files go, and the whole folder when no complete model is in it. */
    private void removeLeftovers(Download job) {
        Path folder = job.id.cacheFolderIn(modelsDir);
        if (!Files.isDirectory(folder)) {
            return;
        }
        try {
            if (usableOnDisk.test(job.id)) {
                DownloadRecord.delete(folder);
                try (var children = Files.list(folder.resolve("blobs"))) {
                    for (Path p : children.filter(p -> p.getFileName().toString().endsWith(CachePaths.INCOMPLETE)).toList()) {
                        Files.deleteIfExists(p);
                    }
                }
            } else {
                deleteTree(folder);
            }
        } catch (IOException e) {
            log.warn("Could not remove what the download of {} left: {}", job.id, e.getMessage());
        }
    }

    // ---- records that outlive the process ----

    private void persistFailure(Download job) {
        try {
            writeFailure(job);
        } catch (IOException | RuntimeException e) {
            log.warn("Could not record the failed download of {}: {}", job.id, e.getMessage());
        }
    }

    /**
     * Writes the failure into the download record, so that a restart reports its reason. A full disk,
     * the likeliest failure on this side, refuses the record too, which would then still say
     * "downloading" and be reported as interrupted by the restart. So when the disk has no room for
     * the record, the part files give back their last bytes ({@link #shortenParts}) and the record is
     * written again. Room taken only then costs nothing otherwise; the record keeps its replacement in
     * one rename (rewritten in place, a crash could leave half of it); and there is no file reserved
     * ahead to keep apart from the leftovers a cleanup removes.
     */
    private void writeFailure(Download job) throws IOException {
        Path folder = job.id.cacheFolderIn(modelsDir);
        DownloadRecord record = DownloadRecord.of(job);
        try {
            record.write(folder);
        } catch (IOException e) {
            long room = record.length() + RECORD_ROOM;
            // A transfer still writing (its wait for them gave up) would write past a shortened end and
            // leave a hole of zeros; its part files are left as they are then.
            if (Files.getFileStore(folder).getUsableSpace() < room && job.running.get() == 0) {
                shortenParts(job, room);
            }
            record.write(folder); // again: the space freed, or what failed the first time has passed
        }
    }

    /**
     * Cuts {@code bytes} off the ends of the download's part files, the largest first. A part file is
     * continued from its end with a Range request, so only those bytes are fetched again; deleting the
     * part files instead would lose all of them, when the failure's reason tells the operator to free
     * space and send the request again to continue.
     */
    private void shortenParts(Download job, long bytes) throws IOException {
        long left = bytes;
        for (Path part : partFiles(job)) {
            if (left <= 0) {
                return;
            }
            // Not a FileChannel: a shutdown interrupting this thread would close that, and no record would be written.
            try (RandomAccessFile file = new RandomAccessFile(part.toFile(), "rw")) {
                long cut = Math.min(left, file.length());
                file.setLength(file.length() - cut);
                left -= cut;
                job.bytesDone.addAndGet(-cut);
            }
        }
    }

    /** The download's part files on disk, the largest first; a link in the place of one is none. */
    private List<Path> partFiles(Download job) {
        CachePaths paths = new CachePaths(job.id.cacheFolderIn(modelsDir));
        List<Path> parts = new ArrayList<>();
        for (HubFile file : job.choice.files()) {
            String name = FileTransfer.blobName(file);
            Path part = paths.incomplete(name != null ? name : FileTransfer.pathKey(file));
            if (!parts.contains(part) && Files.isRegularFile(part, LinkOption.NOFOLLOW_LINKS)) {
                parts.add(part);
            }
        }
        parts.sort(Comparator.comparingLong(CachePaths::sizeOf).reversed());
        return parts;
    }

    /**
     * Reads the records of downloads that did not complete before this start: a failed one keeps its
     * reason; one still marked downloading was cut short by a restart or a crash and becomes
     * {@code interrupted}, with what is on disk. Neither resumes by itself (the token, if one was
     * sent, was never stored): the same download request continues from the bytes on disk.
     */
    private void restore() {
        if (!Files.isDirectory(modelsDir)) {
            return;
        }
        try (var folders = Files.newDirectoryStream(modelsDir, "models--*")) {
            for (Path folder : folders) {
                try {
                    DownloadRecord.read(folder).ifPresent(record -> restore(folder, record));
                } catch (IOException | RuntimeException e) {
                    log.warn("Ignoring the unreadable download record in {}: {}", folder.getFileName(), e.getMessage());
                }
            }
        } catch (IOException e) {
            log.warn("Could not read the download records in {}: {}", modelsDir, e.getMessage());
        }
    }

    private void restore(Path folder, DownloadRecord record) {
        ModelId id = ModelId.parse(record.modelId(), "model_id");
        if (!id.cacheFolderIn(modelsDir).equals(folder.toAbsolutePath().normalize())) {
            throw new IllegalStateException("it names " + id + ", which belongs in another folder");
        }
        String commit = CachePaths.commit(record.commit());
        if (ModelMetadata.read(folder).filter(m -> commit.equals(m.commit())).isPresent() && usableOnDisk.test(id)) {
            // Completed: the process ended between publishing the model and removing the record.
            sweep(folder);
            return;
        }
        List<HubFile> files = record.files().stream().map(DownloadRecord.PlannedFile::hubFile).toList();
        Download job = new Download(id, record.revision(), record.requestedFormat(), record.quant(), null,
                record.startedAt() == null ? Instant.now() : record.startedAt());
        job.listing = new HubListing(id.toString(), commit, files);
        job.choice = new FileSelection.Choice(record.format(), files);
        CachePaths paths = new CachePaths(folder);
        for (HubFile file : files) {
            String name = FileTransfer.blobName(file);
            long whole = name == null ? 0 : CachePaths.sizeOf(paths.blob(name));
            job.bytesDone.addAndGet(whole > 0 ? whole : CachePaths.sizeOf(paths.incomplete(name != null ? name : FileTransfer.pathKey(file))));
            if (whole > 0) {
                job.filesDone.incrementAndGet();
            }
        }
        job.prepared.complete(null);
        job.finishedAt = record.finishedAt() == null ? Instant.now() : record.finishedAt();
        if (DownloadRecord.ERROR.equals(record.state())) {
            job.error = record.error();
            job.state = Download.State.ERROR;
        } else {
            long total = job.choice.totalBytes();
            job.error = "the download of " + id + " was interrupted by a restart of the gateway with "
                    + job.bytesDone.get() + " of " + total + " bytes on disk (" + human(job.bytesDone.get()) + " of "
                    + human(total) + "); send the same download request again to continue from there";
            job.state = Download.State.INTERRUPTED;
        }
        jobs.put(id, job);
        log.info("Download of {} at {} did not complete before: {}", id, record.revision(), job.error);
    }

    private static void sweep(Path folder) {
        try {
            DownloadRecord.delete(folder);
        } catch (IOException e) {
            log.warn("Could not remove the download record in {}: {}", folder.getFileName(), e.getMessage());
        }
    }

    // ---- helpers ----

    static ApiException toApi(HubException e) {
        if (e.kind() == Kind.FORMAT) {
            return ApiException.badRequest(List.of(new FieldProblem(e.field(), e.getMessage())));
        }
        return new ApiException(e.kind().httpStatus, e.getMessage(), List.of(), null);
    }

    private void finish(Download job, Download.State state, String error) {
        job.error = error;
        job.finishedAt = Instant.now();
        job.state = state;
    }

    private void closeStreams(Download job) {
        job.open.forEach(FileTransfer::closeQuietly);
    }

    /**
     * Waits (bounded) until no transfer thread of the job runs: a cancelled Future returns at once,
     * while its thread may still be writing. Transfers starting later see the job stopping and do nothing.
     */
    private void waitForTransfers(Download job) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (job.running.get() > 0 && System.nanoTime() < deadline) {
            closeStreams(job);
            sleepQuietly(5);
        }
    }

    static String human(long bytes) {
        if (bytes < 1024) {
            return bytes + " B";
        }
        String[] units = {"KiB", "MiB", "GiB", "TiB", "PiB"};
        double value = bytes;
        int unit = -1;
        while (value >= 1024 && unit < units.length - 1) {
            value /= 1024;
            unit++;
        }
        return String.format(Locale.ROOT, "%.1f %s", value, units[unit]);
    }

    /** Deletes a tree without following symbolic links (a link is removed, not its target). */
    static void deleteTree(Path root) throws IOException {
        if (Files.exists(root, LinkOption.NOFOLLOW_LINKS)) {
            CacheLeftovers.removeTree(root, Files::deleteIfExists);
        }
    }

    private static void sleepQuietly(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static ThreadFactory threads(String prefix) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, prefix + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }

    @PreDestroy
    void shutdown() {
        jobs.values().forEach(j -> {
            j.interrupt();
            closeStreams(j);
        });
        coordinators.shutdownNow();
        transfers.shutdownNow();
        fileThreads.shutdownNow();
        try {
            client.close();
        } catch (IOException e) {
            log.debug("closing the Hub client: {}", e.toString());
        }
        watchdog.shutdownNow();
    }
}
