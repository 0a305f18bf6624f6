package com.cryptomaltese.gateway.hub;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.atomic.AtomicLong;

import com.cryptomaltese.gateway.hub.HubException.Kind;
import com.cryptomaltese.gateway.hub.HubListing.HubFile;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One file of a download, from the Hub into the cache: into {@code blobs/<hash>.incomplete},
 * continued with a Range after a dropped connection or a restart, checked (sha256 for LFS files,
 * the git blob id for the others), forced to disk and renamed atomically to {@code blobs/<hash>}.
 * A body that delivers nothing for the read timeout is dropped ({@link #dropStalled}) and continued.
 */
final class FileTransfer {

    private static final Logger log = LoggerFactory.getLogger(FileTransfer.class);

    private final HubClient client;
    private final Retries retries;
    private final Duration readTimeout;
    /** Threads hashing ({@link TrailingHash}) and writing ({@link PartFile}) files behind their transfers. */
    private final ExecutorService fileThreads;
    /** Bodies being read, with when each last delivered bytes. */
    private final Map<InputStream, AtomicLong> reading = new ConcurrentHashMap<>();

    FileTransfer(HubClient client, Retries retries, Duration readTimeout, ExecutorService fileThreads) {
        this.client = client;
        this.retries = retries;
        this.readTimeout = readTimeout;
        this.fileThreads = fileThreads;
    }

    /** Brings {@code file} of {@code job} into {@code blobs/}, or finds it there; records it in {@code job.done}. */
    void fetch(Download job, Path modelFolder, HubFile file) throws IOException, InterruptedException {
        if (job.stopping()) {
            throw new HubException(Kind.CANCELLED, "download of " + job.id + " was stopped");
        }
        CachePaths paths = new CachePaths(modelFolder);
        String name = blobName(file);
        if (name != null && Files.exists(paths.blob(name))
                && (file.size() < 0 || CachePaths.sizeOf(paths.blob(name)) == file.size())) {
            job.bytesDone.addAndGet(CachePaths.sizeOf(paths.blob(name)));
            job.done.put(file.path(), new String[] {name, file.lfs() ? file.sha256() : digest(paths.blob(name), "SHA-256")});
            job.filesDone.incrementAndGet();
            return;
        }
        Path part = paths.incomplete(name != null ? name : pathKey(file));
        AtomicLong counted = new AtomicLong();
        String expectedSha = file.sha256();
        // A file outside LFS is checked against its git blob id: the listing's, else the Hub's ETag.
        String expectedBlob = !file.lfs() && file.blobId() != null && file.blobId().matches("[0-9a-f]{40}")
                ? file.blobId() : null;
        long expectedSize = file.size();
        TrailingHash[] hash = new TrailingHash[1];
        job.current.add(file.path());
        try {
            for (int attempt = 1; ; attempt++) {
                if (job.stopping()) {
                    throw new HubException(Kind.CANCELLED, "download of " + job.id + " was stopped");
                }
                long offset = Files.exists(part) ? CachePaths.sizeOf(part) : 0;
                if (expectedSize >= 0 && offset > expectedSize) {
                    Files.delete(part);
                    offset = 0;
                }
                job.bytesDone.addAndGet(offset - counted.getAndSet(offset));
                if (expectedSize > 0 && offset == expectedSize) {
                    break;
                }
                HubClient.Response response = null;
                try {
                    response = client.resolve(job.id.toString(), job.listing.commit(), file.path(), job.token, offset, job.open);
                    String repoCommit = response.header("X-Repo-Commit");
                    if (repoCommit != null && !repoCommit.equalsIgnoreCase(job.listing.commit())) {
                        throw new HubException(Kind.SERVER, "the Hub served " + file.path() + " of commit " + repoCommit
                                + " instead of " + job.listing.commit());
                    }
                    if (expectedSha == null) {
                        String linked = unquote(response.header("X-Linked-Etag"));
                        if (linked != null && linked.matches("[0-9a-fA-F]{64}")) {
                            expectedSha = linked.toLowerCase(Locale.ROOT);
                        } else if (expectedBlob == null && linked == null && response.header("X-Repo-Commit") != null) {
                            // Not LFS, and a listing without blob ids (some mirrors): a Hub-speaking server (it
                            // names the commit) gives the git blob id as a strong ETag. A weak one promises nothing.
                            String raw = response.header("ETag");
                            String etag = raw == null || raw.startsWith("W/") ? null : unquote(raw);
                            if (etag != null && etag.matches("[0-9a-fA-F]{40}")) {
                                expectedBlob = etag.toLowerCase(Locale.ROOT);
                            }
                        }
                    }
                    boolean append = offset > 0 && response.status() == 206 && response.rangeStart() == offset;
                    if (!append) {
                        job.bytesDone.addAndGet(-counted.getAndSet(0));
                        // The server ignored the Range: the part's bytes are written again, so the promise grows.
                        job.needed.addAndGet(offset);
                        offset = 0;
                    }
                    if (expectedSize < 0) {
                        String linkedSize = response.header("X-Linked-Size");
                        OptionalLong length = response.contentLength();
                        // Unknown stays unknown (-1): a guess from the offset alone would discard the part.
                        expectedSize = linkedSize != null ? Long.parseLong(linkedSize.trim())
                                : length.isPresent() ? length.getAsLong() + offset : -1;
                    }
                    copy(job, file.path(), response.body(), part, append ? offset : 0, expectedSize, counted, hash);
                    break;
                } catch (HubException e) {
                    if (!e.retryable() || attempt >= retries.maxAttempts() || job.stopping()) {
                        throw attempt > 1 && e.retryable()
                                ? new HubException(e.kind(), e.getMessage() + " (gave up after " + attempt + " attempts)") : e;
                    }
                    retries.pause(job, attempt, e);
                } catch (IOException e) {
                    PartFile.WriteFailed disk = PartFile.WriteFailed.in(e);
                    if (disk != null) {
                        Throwable cause = disk.getCause() != null ? disk.getCause() : disk;
                        String reason = reason(cause);
                        throw new HubException(Kind.DISK, "could not write " + file.path() + " of " + job.id + " to disk: "
                                + reason + " (the partial file is kept: free space or fix the disk, then send "
                                + "the download request again to continue)", e);
                    }
                    if (job.stopping()) {
                        throw new HubException(Kind.CANCELLED, "download of " + job.id + " was stopped");
                    }
                    if (attempt >= retries.maxAttempts()) {
                        throw new HubException(Kind.NETWORK, "the connection to the Hub kept dropping while downloading "
                                + file.path() + " of " + job.id + " (gave up after " + attempt + " attempts; the "
                                + "partial file is kept and a new download request continues it): " + e.getMessage(), e);
                    }
                    retries.pause(job, attempt, null);
                } finally {
                    if (response != null) {
                        closeQuietly(response.body());
                        job.open.remove(response.body());
                    }
                }
            }
            String sha256 = verify(part, file, expectedSha, expectedBlob, expectedSize, hash);
            // Named as huggingface-cli names it: sha256 for LFS files, the git blob id for the others.
            String blobName = name != null ? name : expectedSha == null && expectedBlob != null ? expectedBlob : sha256;
            Path blob = paths.blob(blobName);
            try (FileChannel channel = FileChannel.open(part, StandardOpenOption.WRITE)) {
                channel.force(true);
            }
            Files.move(part, blob, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            job.done.put(file.path(), new String[] {blobName, sha256});
            job.filesDone.incrementAndGet();
        } catch (HubException e) {
            if (e.kind() == Kind.INTEGRITY) {
                job.bytesDone.addAndGet(-counted.get());
            }
            throw e;
        } finally {
            job.current.remove(file.path());
            if (hash[0] != null) {
                hash[0].stop();
            }
        }
    }

    /**
     * Appends the body to {@code part} (or writes it afresh), counting the bytes, while {@code hash[0]}
     * hashes what is written; a fresh start gets a fresh hash. The body is read into the buffers of a
     * {@link PartFile}, each handed over when full to be written and hashed behind this thread, which
     * goes on reading. A dropped connection, a cancel or a shutdown ends the reading with an error:
     * the bytes received until then are handed over too and the part file holds all of them when this
     * returns, so a retry's Range starts right after them. Stalled reads are dropped by the watchdog.
     * Reading stops one byte past the announced size: a server sending more than it announced would
     * otherwise fill the disk past what the disk check allowed for.
     */
    private void copy(Download job, String path, ResponseBody body, Path part, long from, long expectedSize,
                      AtomicLong counted, TrailingHash[] hash) throws IOException, InterruptedException {
        boolean append = from > 0;
        long allowed = expectedSize < 0 ? Long.MAX_VALUE : expectedSize - from + 1;
        long received = 0;
        AtomicLong lastRead = new AtomicLong(System.nanoTime());
        job.open.add(body);
        reading.put(body, lastRead);
        if (hash[0] == null || !append) {
            if (hash[0] != null) {
                hash[0].stop();
            }
            hash[0] = new TrailingHash(part, fileThreads);
        }
        try (PartFile out = new PartFile(part, append, expectedSize, hash[0], fileThreads, true)) {
            boolean end = false;
            while (!end) {
                ByteBuffer buffer = out.take();
                lastRead.set(System.nanoTime());
                IOException failed = null;
                try {
                    while (buffer.hasRemaining() && received < allowed) {
                        int n = read(body, buffer, allowed - received);
                        if (n < 0) {
                            end = true;
                            break;
                        }
                        received += n;
                        lastRead.set(System.nanoTime());
                        // Counted when read, so progress moves within a buffer; a retry recounts from the file.
                        counted.addAndGet(n);
                        job.bytesDone.addAndGet(n);
                        job.received.addAndGet(n);
                        if (job.stopping()) {
                            throw new IOException("stopped");
                        }
                    }
                } catch (IOException e) {
                    failed = e;
                } finally {
                    out.put(buffer);
                }
                if (failed != null) {
                    throw failed;
                }
                end |= received >= allowed;
            }
        } finally {
            // Bytes already written stay counted: they are in the partial file.
            reading.remove(body);
        }
        if (received >= allowed) {
            Files.deleteIfExists(part);
            throw new HubException(Kind.INTEGRITY, "the Hub sent more than the " + expectedSize + " bytes it announced for "
                    + path + "; it was discarded");
        }
    }

    /** Reads into {@code buffer} at most {@code most} bytes (no limit: Long.MAX_VALUE, so no sum with it). */
    private static int read(ResponseBody body, ByteBuffer buffer, long most) throws IOException {
        int limit = buffer.limit();
        buffer.limit(buffer.position() + (int) Math.min(buffer.remaining(), most));
        try {
            return body.read(buffer);
        } finally {
            buffer.limit(limit);
        }
    }

    /**
     * The sha256 of the part, after checking its size, its sha256 against the listing's (LFS files)
     * and, for the others, the git blob id; a bad part is deleted.
     */
    private String verify(Path part, HubFile file, String expectedSha, String expectedBlob, long expectedSize,
                          TrailingHash[] hash) throws IOException {
        long size = CachePaths.sizeOf(part);
        if (expectedSize >= 0 && size != expectedSize) {
            Files.deleteIfExists(part);
            throw new HubException(Kind.INTEGRITY, file.path() + " arrived with " + size + " bytes instead of "
                    + expectedSize + "; it was discarded");
        }
        if (hash[0] == null) {
            // Complete from an earlier run: nothing was transferred now, so the hash starts from the file.
            hash[0] = new TrailingHash(part, fileThreads);
        }
        String actualSha = hash[0].finish(size);
        if (expectedSha != null && !expectedSha.equalsIgnoreCase(actualSha)) {
            Files.deleteIfExists(part);
            throw new HubException(Kind.INTEGRITY, file.path() + " failed its sha256 check (expected " + expectedSha
                    + ", got " + actualSha + "); it was discarded and nothing of it was kept");
        }
        if (expectedSha == null && expectedBlob != null) {
            // Files outside LFS are small; their git blob id is a second read of them.
            MessageDigest sha1 = digester("SHA-1");
            sha1.update(("blob " + size + "\0").getBytes(StandardCharsets.US_ASCII));
            String actualBlob = HexFormat.of().formatHex(digest(part, sha1));
            if (!expectedBlob.equals(actualBlob)) {
                Files.deleteIfExists(part);
                throw new HubException(Kind.INTEGRITY, file.path() + " does not match its git blob id (expected "
                        + expectedBlob + ", got " + actualBlob + "); it was discarded");
            }
        }
        return actualSha;
    }

    /**
     * What the file system said, without the path: where the gateway keeps its files is not the
     * caller's business. The JDK gives some exceptions no reason (the message is the path then).
     */
    private static String reason(Throwable failure) {
        if (failure instanceof AccessDeniedException) {
            return "permission denied";
        }
        if (failure instanceof NoSuchFileException) {
            return "its folder is gone";
        }
        if (failure instanceof FileSystemException fs) {
            return fs.getReason() != null ? fs.getReason() : fs.getClass().getSimpleName();
        }
        return failure.getMessage();
    }

    /** Closes bodies that delivered nothing for the read timeout; the transfer then retries with a Range. */
    void dropStalled() {
        long limit = readTimeout.toNanos();
        long now = System.nanoTime();
        reading.forEach((stream, last) -> {
            if (now - last.get() > limit) {
                log.info("A Hub transfer stalled for {}; reconnecting", readTimeout);
                closeQuietly(stream);
            }
        });
    }

    /** The blob a file ends in as the listing names it (sha256 for LFS, git blob id otherwise); null when unknown. */
    static String blobName(HubFile file) {
        if (file.lfs()) {
            return CachePaths.validBlobName(file.sha256()) ? file.sha256() : null;
        }
        return CachePaths.validBlobName(file.blobId()) ? file.blobId() : null;
    }

    /** Name of the partial file of a file whose blob name is only known after the download. */
    static String pathKey(HubFile file) {
        MessageDigest sha = digester("SHA-256");
        return HexFormat.of().formatHex(sha.digest(("path:" + file.path()).getBytes(StandardCharsets.UTF_8)));
    }

    private static String digest(Path file, String algorithm) throws IOException {
        return HexFormat.of().formatHex(digest(file, digester(algorithm)));
    }

    private static byte[] digest(Path file, MessageDigest md) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            byte[] buffer = new byte[64 * 1024];
            int n;
            while ((n = in.read(buffer)) > 0) {
                md.update(buffer, 0, n);
            }
        }
        return md.digest();
    }

    private static MessageDigest digester(String algorithm) {
        try {
            return MessageDigest.getInstance(algorithm);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String unquote(String etag) {
        if (etag == null) {
            return null;
        }
        String value = etag.startsWith("W/") ? etag.substring(2) : etag;
        return value.replace("\"", "").trim();
    }

    static void closeQuietly(Closeable in) {
        try {
            in.close();
        } catch (IOException | RuntimeException ignored) {
            // closing only to stop a transfer
        }
    }
}
