package com.cryptomaltese.gateway.hub;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

import javax.net.ssl.SSLContext;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsParameters;
import com.sun.net.httpserver.HttpsServer;

/**
 * A Hugging Face Hub on loopback speaking the Hub's wire format: {@code /api/models/{repo}/revision/{rev}?blobs=true}
 * and {@code /{repo}/resolve/{rev}/{path}}, LFS files redirected (302, with X-Linked-Etag, X-Linked-Size,
 * X-Repo-Commit) to a second server, the "CDN", on another port; Range requests; private repos
 * needing a Bearer token; and injected faults. Plain HTTP, or TLS with a certificate per server.
 */
public final class FakeHub implements AutoCloseable {

    public enum Fault {
        /** Send half the body, then drop the connection. */
        DROP_HALF,
        /** Send the body with one byte changed (every time). */
        WRONG_BYTES,
        /** Answer 429 with Retry-After: 0 once. */
        TOO_MANY_REQUESTS,
        /** Answer 500 every time. */
        SERVER_ERROR_ALWAYS,
        /** Send the body in small pieces with pauses. */
        SLOW,
        /** Send half the body, then wait until {@link #release()} (bounded), then the rest. */
        HOLD,
        /** Send nothing, not even the status line, until {@link #release()} (bounded); then the file. */
        SILENT
    }

    public record Repo(String id, String commit, Map<String, byte[]> files, String token, List<String> extraNames) {
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpServer hub;
    private final HttpServer cdn;
    private final ExecutorService pool = Executors.newCachedThreadPool();
    private final Map<String, Repo> repos = new ConcurrentHashMap<>();
    /** Per repo id: branches and tags other than main, each naming a repo state at its own commit. */
    private final Map<String, Map<String, Repo>> revisions = new ConcurrentHashMap<>();
    private final Map<String, Deque<Fault>> faults = new ConcurrentHashMap<>();
    private final Map<String, byte[]> lfsBySha = new ConcurrentHashMap<>();
    private final Map<String, String> pathBySha = new ConcurrentHashMap<>();
    private final Map<String, AtomicLong> bytesSent = new ConcurrentHashMap<>();
    private volatile CountDownLatch held = new CountDownLatch(1);
    private volatile CountDownLatch holding = new CountDownLatch(1);
    private final CountDownLatch heldDone = new CountDownLatch(1);
    /** Every request: "hub|cdn METHOD raw-path auth=<Authorization or -> range=<Range or ->". */
    public final List<String> requests = new CopyOnWriteArrayList<>();
    public final List<String> cdnAuthorizations = new CopyOnWriteArrayList<>();
    public final List<String> hubAuthorizations = new CopyOnWriteArrayList<>();
    private volatile long sizeOverride = -1;
    private final Map<String, Long> sizeOverrides = new ConcurrentHashMap<>();
    private volatile boolean listBlobIds = true;
    private volatile boolean sizesHidden;
    private final java.util.concurrent.atomic.AtomicInteger transfers = new java.util.concurrent.atomic.AtomicInteger();
    private final java.util.concurrent.atomic.AtomicInteger maxTransfers = new java.util.concurrent.atomic.AtomicInteger();
    private final AtomicLong hubConnections = new AtomicLong();
    private final AtomicLong cdnConnections = new AtomicLong();

    public FakeHub() {
        this(null, null);
    }

    /**
     * Over TLS, as the real Hub and its CDN are, each server with its own certificate; counts the
     * connections each accepts (a handshake starts on every one).
     */
    public FakeHub(SSLContext hubTls, SSLContext cdnTls) {
        try {
            hub = server(hubTls, hubConnections);
            cdn = server(cdnTls, cdnConnections);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        hub.setExecutor(pool);
        cdn.setExecutor(pool);
        hub.createContext("/", this::hub);
        cdn.createContext("/", this::cdn);
        hub.start();
        cdn.start();
    }

    private static HttpServer server(SSLContext tls, AtomicLong connections) throws IOException {
        InetSocketAddress loopback = new InetSocketAddress("127.0.0.1", 0);
        if (tls == null) {
            return HttpServer.create(loopback, 0);
        }
        HttpsServer server = HttpsServer.create(loopback, 0);
        server.setHttpsConfigurator(new HttpsConfigurator(tls) {
            @Override
            public void configure(HttpsParameters params) {
                connections.incrementAndGet(); // called once per accepted connection
                super.configure(params);
            }
        });
        return server;
    }

    public String endpoint() {
        return address(hub);
    }

    private static String address(HttpServer server) {
        return (server instanceof HttpsServer ? "https" : "http") + "://127.0.0.1:" + server.getAddress().getPort();
    }

    /** Connections the Hub (TLS only) or the CDN accepted, whether or not their handshake succeeded. */
    public long tlsConnections(boolean atCdn) {
        return (atCdn ? cdnConnections : hubConnections).get();
    }

    /** A repo holding every file of {@code folder}. */
    public Repo addFolder(String id, String commit, Path folder, String token) {
        Map<String, byte[]> files = new LinkedHashMap<>();
        try (Stream<Path> list = Files.list(folder)) {
            for (Path f : list.sorted().toList()) {
                files.put(f.getFileName().toString(), Files.readAllBytes(f));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return add(new Repo(id, commit, files, token, List.of()));
    }

    public Repo add(Repo repo) {
        repos.put(repo.id(), repo);
        repo.files().forEach((path, bytes) -> {
            if (lfs(path)) {
                lfsBySha.put(sha256(bytes), bytes);
                pathBySha.put(sha256(bytes), path);
            }
        });
        return repo;
    }

    /** {@code repo} (with a commit of its own) as branch or tag {@code revision} of the repo with the same id. */
    public Repo addRevision(String revision, Repo repo) {
        revisions.computeIfAbsent(repo.id(), id -> new ConcurrentHashMap<>()).put(revision, repo);
        repo.files().forEach((path, bytes) -> {
            if (lfs(path)) {
                lfsBySha.put(sha256(bytes), bytes);
                pathBySha.put(sha256(bytes), path);
            }
        });
        return repo;
    }

    /** The repo state a revision (main, a branch or tag added, or a commit) names; null when none. */
    private Repo at(String id, String revision) {
        Repo main = repos.get(id);
        Map<String, Repo> named = revisions.getOrDefault(id, Map.of());
        if (named.containsKey(revision)) {
            return named.get(revision);
        }
        for (Repo repo : named.values()) {
            if (repo.commit().equals(revision)) {
                return repo;
            }
        }
        return main != null && (revision.equals("main") || revision.equals(main.commit())) ? main : null;
    }

    /** Where {@link #fault} puts a fault of the file listing ({@link Fault#SILENT} and {@link Fault#SERVER_ERROR_ALWAYS} apply there). */
    public static final String LISTING = "?listing";

    /** Says a request is being held, then holds it until {@link #release()} (bounded). */
    private void awaitRelease() {
        holding.countDown();
        try {
            held.await(20, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The faults still queued for {@code path}; clear it to serve the file normally again. */
    public Deque<Fault> faults(String path) {
        return faults.computeIfAbsent(path, p -> new ArrayDeque<>());
    }

    public void fault(String path, Fault... list) {
        faults.computeIfAbsent(path, p -> new ArrayDeque<>()).addAll(List.of(list));
    }

    /** The listing claims every file is this big (a repo larger than the disk). */
    public void claimSize(long size) {
        sizeOverride = size;
    }

    /** The listing leaves out each file's blobId, as some mirrors do; resolve answers keep their ETag. */
    public void omitBlobIds() {
        listBlobIds = false;
    }

    /** No size anywhere: none in the listing, no X-Linked-Size, bodies sent chunked (no Content-Length). */
    public void hideSizes() {
        sizesHidden = true;
    }

    /** The listing claims the file at {@code path} (in any repo) is this big. */
    public void claimSize(String path, long size) {
        sizeOverrides.put(path, size);
    }

    /** Lets held transfers finish. */
    public void release() {
        held.countDown();
    }

    /** Makes the next held request wait for another {@link #release()}: for a server shared by several tests. */
    public void rearm() {
        holding = new CountDownLatch(1);
        held = new CountDownLatch(1);
    }

    /** Waits until a transfer is being held (bounded). */
    public boolean awaitHolding() throws InterruptedException {
        return holding.await(20, TimeUnit.SECONDS);
    }

    /** Waits until the held transfer has ended, its rest sent or refused by a closed connection (bounded). */
    public boolean awaitHeldDone() throws InterruptedException {
        return heldDone.await(20, TimeUnit.SECONDS);
    }

    /** The most {@link Fault#SLOW} transfers (hub and CDN together) that were under way at once. */
    public int maxConcurrentSlowTransfers() {
        return maxTransfers.get();
    }

    public long bytesSent(String path) {
        AtomicLong n = bytesSent.get(path);
        return n == null ? 0 : n.get();
    }

    public long count(String prefix) {
        return requests.stream().filter(r -> r.startsWith(prefix)).count();
    }

    public static boolean lfs(String path) {
        return path.endsWith(".safetensors") || path.endsWith(".bin") || path.endsWith(".gguf") || path.endsWith(".onnx");
    }

    // ---- servers ----

    private void hub(HttpExchange exchange) throws IOException {
        try (exchange) {
            String path = URLDecoder.decode(exchange.getRequestURI().getRawPath(), StandardCharsets.UTF_8);
            String auth = exchange.getRequestHeaders().getFirst("Authorization");
            hubAuthorizations.add(auth == null ? "-" : auth);
            record("hub", exchange, exchange.getRequestURI().getRawPath());
            if (path.startsWith("/api/models/")) {
                String rest = path.substring("/api/models/".length());
                int rev = rest.indexOf("/revision/");
                Repo repo = rev < 0 ? null : repos.get(rest.substring(0, rev));
                if (repo == null) {
                    error(exchange, 404, "Repository not found");
                    return;
                }
                repo = at(repo.id(), rest.substring(rev + "/revision/".length()));
                if (repo == null) {
                    exchange.getResponseHeaders().add("X-Error-Code", "RevisionNotFound");
                    error(exchange, 404, "Invalid rev id");
                    return;
                }
                if (!authorized(repo, auth)) {
                    exchange.getResponseHeaders().add("X-Error-Code", "RepoNotFound");
                    error(exchange, 401, "Invalid credentials in Authorization header");
                    return;
                }
                Deque<Fault> queue = faults.getOrDefault(LISTING, new ArrayDeque<>());
                Fault fault;
                synchronized (queue) {
                    fault = queue.peek() == Fault.SERVER_ERROR_ALWAYS ? queue.peek() : queue.poll();
                }
                if (fault == Fault.SERVER_ERROR_ALWAYS) {
                    error(exchange, 500, "Internal Error");
                    return;
                }
                if (fault == Fault.SILENT) {
                    awaitRelease();
                }
                listing(exchange, repo);
                return;
            }
            int resolve = path.indexOf("/resolve/");
            Repo repo = resolve < 0 ? null : repos.get(path.substring(1, resolve));
            if (repo == null) {
                error(exchange, 404, "Repository not found");
                return;
            }
            if (!authorized(repo, auth)) {
                error(exchange, 401, "Invalid credentials in Authorization header");
                return;
            }
            String revAndFile = path.substring(resolve + "/resolve/".length());
            int slash = revAndFile.indexOf('/');
            String file = revAndFile.substring(slash + 1);
            repo = at(repo.id(), revAndFile.substring(0, Math.max(0, slash)));
            if (repo == null) {
                exchange.getResponseHeaders().add("X-Error-Code", "RevisionNotFound");
                error(exchange, 404, "Invalid rev id");
                return;
            }
            byte[] bytes = repo.files().get(file);
            if (bytes == null) {
                exchange.getResponseHeaders().add("X-Error-Code", "EntryNotFound");
                error(exchange, 404, "Entry not found");
                return;
            }
            exchange.getResponseHeaders().add("X-Repo-Commit", repo.commit());
            if (lfs(file)) {
                String sha = sha256(bytes);
                exchange.getResponseHeaders().add("X-Linked-Etag", "\"" + sha + "\"");
                if (!sizesHidden) {
                    exchange.getResponseHeaders().add("X-Linked-Size", String.valueOf(bytes.length));
                }
                exchange.getResponseHeaders().add("ETag", "\"" + gitBlob(bytes) + "\"");
                exchange.getResponseHeaders().add("Location", address(cdn)
                        + "/repos/" + sha + "?response-content-disposition=attachment");
                exchange.sendResponseHeaders(302, -1);
                return;
            }
            exchange.getResponseHeaders().add("ETag", "\"" + gitBlob(bytes) + "\"");
            serve(exchange, file, bytes);
        }
    }

    private void cdn(HttpExchange exchange) throws IOException {
        try (exchange) {
            String path = exchange.getRequestURI().getPath();
            String auth = exchange.getRequestHeaders().getFirst("Authorization");
            cdnAuthorizations.add(auth == null ? "-" : auth);
            record("cdn", exchange, path);
            String sha = path.substring(path.lastIndexOf('/') + 1);
            byte[] bytes = lfsBySha.get(sha);
            if (bytes == null) {
                error(exchange, 404, "NoSuchKey");
                return;
            }
            serve(exchange, pathBySha.get(sha), bytes);
        }
    }

    private void serve(HttpExchange exchange, String file, byte[] bytes) throws IOException {
        Deque<Fault> queue = faults.getOrDefault(file, new ArrayDeque<>());
        Fault fault;
        synchronized (queue) {
            fault = queue.peek();
            if (fault != null && fault != Fault.WRONG_BYTES && fault != Fault.SERVER_ERROR_ALWAYS) {
                queue.poll();
            }
        }
        if (fault == Fault.TOO_MANY_REQUESTS) {
            exchange.getResponseHeaders().add("Retry-After", "0");
            error(exchange, 429, "Too Many Requests");
            return;
        }
        if (fault == Fault.SERVER_ERROR_ALWAYS) {
            error(exchange, 500, "Internal Error");
            return;
        }
        if (fault == Fault.SILENT) {
            awaitRelease();
        }
        long start = 0;
        String range = exchange.getRequestHeaders().getFirst("Range");
        if (range != null && range.startsWith("bytes=") && range.endsWith("-")) {
            start = Long.parseLong(range.substring(6, range.length() - 1));
        }
        byte[] body = bytes.clone();
        if (fault == Fault.WRONG_BYTES) {
            body[body.length / 2] ^= 0x5A;
        }
        int from = (int) Math.min(start, body.length);
        int length = body.length - from;
        exchange.getResponseHeaders().add("Accept-Ranges", "bytes");
        exchange.getResponseHeaders().add("Content-Type", "application/octet-stream");
        if (start > 0) {
            exchange.getResponseHeaders().add("Content-Range", "bytes " + from + "-" + (body.length - 1) + "/" + body.length);
        }
        exchange.sendResponseHeaders(start > 0 ? 206 : 200, length == 0 ? -1 : sizesHidden ? 0 : length);
        AtomicLong sent = bytesSent.computeIfAbsent(file, f -> new AtomicLong());
        OutputStream out = exchange.getResponseBody();
        int half = length / 2;
        switch (fault == null ? Fault.SLOW : fault) {
            case DROP_HALF -> {
                out.write(body, from, half);
                out.flush();
                sent.addAndGet(half);
                // Closing with bytes missing makes the server drop the connection.
                throw new IOException("fault: connection dropped after " + half + " bytes");
            }
            case HOLD -> {
                try {
                    out.write(body, from, half);
                    out.flush();
                    sent.addAndGet(half);
                    holding.countDown();
                    try {
                        held.await(20, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    out.write(body, from + half, length - half);
                    sent.addAndGet(length - half);
                } finally {
                    heldDone.countDown();
                }
            }
            case SLOW -> {
                // Counted as under way until the last piece goes: once the client can have every byte,
                // this transfer no longer counts, so a client moving on to its next file is no overlap.
                int piece = fault == Fault.SLOW ? Math.max(1, length / 8) : length;
                boolean counted = fault == Fault.SLOW;
                if (counted) {
                    maxTransfers.accumulateAndGet(transfers.incrementAndGet(), Math::max);
                }
                try {
                    for (int at = 0; at < length; at += piece) {
                        int n = Math.min(piece, length - at);
                        if (counted && at + n >= length) {
                            counted = false;
                            transfers.decrementAndGet();
                        }
                        out.write(body, from + at, n);
                        out.flush();
                        sent.addAndGet(n);
                        if (fault == Fault.SLOW && at + n < length) {
                            sleep(30);
                        }
                    }
                } finally {
                    if (counted) {
                        transfers.decrementAndGet();
                    }
                }
            }
            default -> {
                out.write(body, from, length);
                sent.addAndGet(length);
            }
        }
    }

    private void listing(HttpExchange exchange, Repo repo) throws IOException {
        ObjectNode json = JSON.createObjectNode();
        json.put("_id", "fake").put("id", repo.id()).put("modelId", repo.id()).put("sha", repo.commit())
                .put("private", repo.token() != null);
        ArrayNode siblings = json.putArray("siblings");
        repo.files().forEach((path, bytes) -> {
            long size = sizeOverrides.getOrDefault(path, sizeOverride >= 0 ? sizeOverride : bytes.length);
            ObjectNode s = siblings.addObject().put("rfilename", path);
            if (!sizesHidden) {
                s.put("size", size);
            }
            if (listBlobIds) {
                s.put("blobId", gitBlob(bytes));
            }
            if (lfs(path)) {
                ObjectNode lfs = s.putObject("lfs").put("sha256", sha256(bytes)).put("pointerSize", 134);
                if (!sizesHidden) {
                    lfs.put("size", size);
                }
            }
        });
        repo.extraNames().forEach(name -> siblings.addObject().put("rfilename", name).put("size", 10));
        byte[] body = JSON.writeValueAsBytes(json);
        exchange.getResponseHeaders().add("Content-Type", "application/json");
        exchange.sendResponseHeaders(200, body.length);
        exchange.getResponseBody().write(body);
    }

    private static boolean authorized(Repo repo, String auth) {
        return repo.token() == null || ("Bearer " + repo.token()).equals(auth);
    }

    private void record(String server, HttpExchange exchange, String path) {
        String auth = exchange.getRequestHeaders().getFirst("Authorization");
        String range = exchange.getRequestHeaders().getFirst("Range");
        requests.add(server + " " + exchange.getRequestMethod() + " " + path + " auth=" + (auth == null ? "-" : auth)
                + " range=" + (range == null ? "-" : range));
    }

    private static void error(HttpExchange exchange, int status, String message) throws IOException {
        byte[] body = ("{\"error\":\"" + message + "\"}").getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().add("Content-Type", "application/json");
        exchange.getResponseHeaders().add("X-Error-Message", message);
        exchange.sendResponseHeaders(status, body.length);
        exchange.getResponseBody().write(body);
    }

    public static String sha256(byte[] bytes) {
        return hex("SHA-256", bytes, null);
    }

    public static String gitBlob(byte[] bytes) {
        return hex("SHA-1", bytes, ("blob " + bytes.length + "\0").getBytes(StandardCharsets.US_ASCII));
    }

    private static String hex(String algorithm, byte[] bytes, byte[] prefix) {
        try {
            MessageDigest md = MessageDigest.getInstance(algorithm);
            if (prefix != null) {
                md.update(prefix);
            }
            return HexFormat.of().formatHex(md.digest(bytes));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    public List<String> requestsFor(String part) {
        List<String> out = new ArrayList<>();
        for (String r : requests) {
            if (r.contains(part)) {
                out.add(r);
            }
        }
        return out;
    }

    @Override
    public void close() {
        release();
        hub.stop(0);
        cdn.stop(0);
        pool.shutdownNow();
    }
}
