package com.cryptomaltese.gateway.hub;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;

import com.cryptomaltese.gateway.TestData;
import com.cryptomaltese.gateway.api.ApiException;
import com.cryptomaltese.gateway.hub.FakeHub.Fault;
import com.cryptomaltese.gateway.model.ModelId;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.TestInfo;
import org.springframework.util.unit.DataSize;

/** The download engine against a fake Hub on loopback, without Spring. */
class HubDownloadTest {

    static final Path LLAMA = Path.of("src/test/resources/fixtures/models/llama").toAbsolutePath();
    static final String COMMIT = "0123456789abcdef0123456789abcdef01234567";
    static final ModelId ID = ModelId.parse("fixtures/llama", "model_name");
    static final String WEIGHTS = "model.safetensors";

    FakeHub hub;
    Path models;

    @BeforeEach
    void setUp(TestInfo info) {
        hub = new FakeHub();
        models = TestData.freshDataDir("target/test-data/hub-unit/" + info.getTestMethod().orElseThrow().getName())
                .resolve("models");
    }

    @AfterEach
    void tearDown() {
        hub.close();
    }

    DownloadManager manager(int attempts, DataSize margin, Duration readTimeout) {
        return new DownloadManager(new HubProperties(hub.endpoint(), null, 2, attempts, Duration.ofMillis(5),
                Duration.ofMillis(50), Duration.ofSeconds(5), readTimeout, margin, null, null), models, this::usable);
    }

    /** Three tries, {@code backoff} between them (at most), answering a download request within {@code answerWithin}. */
    DownloadManager managerAnsweringWithin(Duration answerWithin, Duration backoff) {
        return new DownloadManager(new HubProperties(hub.endpoint(), null, 2, 3, backoff, backoff.multipliedBy(10),
                Duration.ofSeconds(5), Duration.ofSeconds(30), DataSize.ofKilobytes(1), null, answerWithin),
                models, this::usable);
    }

    DownloadManager manager() {
        return manager(3, DataSize.ofKilobytes(1), Duration.ofSeconds(10));
    }

    boolean usable(ModelId id) {
        Path ref = id.cacheFolderIn(models).resolve("refs/main");
        return Files.isRegularFile(ref);
    }

    static DownloadProgress await(DownloadManager manager, ModelId id) throws InterruptedException {
        for (int i = 0; i < 3000; i++) {
            DownloadProgress p = manager.progress(id).orElseThrow();
            if (!p.status().equals("downloading")) {
                return p;
            }
            Thread.sleep(10);
        }
        throw new AssertionError("download did not finish: " + manager.progress(id));
    }

    Path folder() {
        return ID.cacheFolderIn(models);
    }

    long weightsSize() throws IOException {
        return Files.size(LLAMA.resolve(WEIGHTS));
    }

    @Test
    void downloadsIntoTheHubCacheLayoutWithChecksumsAndMetadata() throws Exception {
        hub.addFolder("fixtures/llama", COMMIT, LLAMA, null);
        DownloadManager manager = manager();
        DownloadManager.Started started = manager.start(ID, null, null, null, null);
        assertThat(started.joined()).isFalse();
        assertThat(started.progress().status()).isEqualTo("downloading");
        DownloadProgress done = await(manager, ID);
        assertThat(done.status()).as(String.valueOf(done.error())).isEqualTo("completed");
        assertThat(done.format()).isEqualTo("safetensors");
        assertThat(done.revision()).isEqualTo(COMMIT);
        assertThat(done.downloadProgress()).isEqualTo(100.0);

        assertThat(Files.readString(folder().resolve("refs/main"))).isEqualTo(COMMIT);
        Path snapshot = folder().resolve("snapshots").resolve(COMMIT);
        try (Stream<Path> files = Files.list(snapshot)) {
            // golden.json is no file the engine needs
            assertThat(files.map(p -> p.getFileName().toString()).sorted().toList()).containsExactly(
                    "config.json", "generation_config.json", WEIGHTS, "tokenizer.json", "tokenizer_config.json");
        }
        byte[] weights = Files.readAllBytes(LLAMA.resolve(WEIGHTS));
        Path link = snapshot.resolve(WEIGHTS);
        assertThat(Files.isSymbolicLink(link)).isTrue();
        assertThat(Files.readSymbolicLink(link).toString()).isEqualTo("../../blobs/" + FakeHub.sha256(weights));
        assertThat(Files.readAllBytes(link)).isEqualTo(weights);
        byte[] config = Files.readAllBytes(LLAMA.resolve("config.json"));
        assertThat(Files.readSymbolicLink(snapshot.resolve("config.json")).toString())
                .isEqualTo("../../blobs/" + FakeHub.gitBlob(config));
        try (Stream<Path> blobs = Files.list(folder().resolve("blobs"))) {
            assertThat(blobs.map(Path::toString)).noneMatch(p -> p.endsWith(".incomplete")).hasSize(5);
        }
        ModelMetadata meta = ModelMetadata.read(folder()).orElseThrow();
        assertThat(meta.commit()).isEqualTo(COMMIT);
        assertThat(meta.format()).isEqualTo("safetensors");
        assertThat(meta.source()).isEqualTo("huggingface");
        assertThat(meta.downloadedAt()).isNotNull();
        assertThat(meta.files()).extracting(ModelMetadata.FileRecord::path).contains(WEIGHTS, "config.json");
        assertThat(meta.files()).filteredOn(f -> f.path().equals(WEIGHTS)).singleElement()
                .extracting(ModelMetadata.FileRecord::sha256).isEqualTo(FakeHub.sha256(weights));
        assertThat(meta.size()).isEqualTo(meta.files().stream().mapToLong(ModelMetadata.FileRecord::size).sum());
        // The LFS file came from the second host, after a redirect.
        assertThat(hub.requestsFor("/repos/" + FakeHub.sha256(weights))).hasSize(1).allMatch(r -> r.startsWith("cdn"));
    }

    @Test
    void aDroppedConnectionContinuesWithARangeRequest() throws Exception {
        hub.addFolder("fixtures/llama", COMMIT, LLAMA, null);
        hub.fault(WEIGHTS, Fault.DROP_HALF);
        DownloadManager manager = manager();
        manager.start(ID, null, "safetensors", null, null);
        DownloadProgress done = await(manager, ID);
        assertThat(done.status()).as(String.valueOf(done.error())).isEqualTo("completed");
        assertThat(hub.bytesSent(WEIGHTS)).isLessThan((long) (1.2 * weightsSize())).isGreaterThanOrEqualTo(weightsSize());
        assertThat(hub.requestsFor("cdn GET")).anyMatch(r -> r.contains("range=bytes=") && !r.endsWith("range=-"));
        assertThat(Files.readAllBytes(folder().resolve("snapshots").resolve(COMMIT).resolve(WEIGHTS)))
                .isEqualTo(Files.readAllBytes(LLAMA.resolve(WEIGHTS)));
    }

    /** No size from the listing, no X-Linked-Size, a chunked 206: the partial file is continued, not discarded. */
    @Test
    void aPartialFileOfUnknownSizeIsContinuedWithARange() throws Exception {
        hub.hideSizes();
        hub.addFolder("fixtures/llama", COMMIT, LLAMA, null);
        byte[] weights = Files.readAllBytes(LLAMA.resolve(WEIGHTS));
        // What an earlier run left: the first half of the weights.
        Path part = Files.createDirectories(folder().resolve("blobs")).resolve(FakeHub.sha256(weights) + ".incomplete");
        Files.write(part, java.util.Arrays.copyOf(weights, weights.length / 2));
        DownloadManager manager = manager();
        manager.start(ID, null, null, null, null);
        DownloadProgress done = await(manager, ID);
        assertThat(done.status()).as(String.valueOf(done.error())).isEqualTo("completed");
        assertThat(hub.requestsFor("range=bytes=" + weights.length / 2 + "-")).filteredOn(r -> r.startsWith("cdn"))
                .hasSize(1);
        assertThat(Files.readAllBytes(folder().resolve("snapshots").resolve(COMMIT).resolve(WEIGHTS))).isEqualTo(weights);
    }

    @Test
    void aPartialFileLeftByAnEarlierRunIsContinuedNotRestarted() throws Exception {
        hub.addFolder("fixtures/llama", COMMIT, LLAMA, null);
        hub.fault(WEIGHTS, Fault.DROP_HALF);
        DownloadManager first = manager(1, DataSize.ofKilobytes(1), Duration.ofSeconds(10));
        first.start(ID, null, null, null, null);
        DownloadProgress failed = await(first, ID);
        assertThat(failed.status()).isEqualTo("error");
        assertThat(failed.error()).contains("model.safetensors").contains("gave up after 1 attempts");
        first.shutdown();
        // Nothing usable: no snapshot, no refs/main; the partial blob is kept for later.
        assertThat(folder().resolve("refs/main")).doesNotExist();
        assertThat(folder().resolve("snapshots")).doesNotExist();
        String sha = FakeHub.sha256(Files.readAllBytes(LLAMA.resolve(WEIGHTS)));
        Path part = folder().resolve("blobs").resolve(sha + ".incomplete");
        assertThat(part).exists();
        assertThat(Files.size(part)).isPositive().isLessThan(weightsSize());

        // "After a restart": a new manager continues the partial file.
        DownloadManager second = manager();
        second.start(ID, null, null, null, null);
        assertThat(await(second, ID).status()).isEqualTo("completed");
        assertThat(hub.bytesSent(WEIGHTS)).isLessThan((long) (1.2 * weightsSize()));
        assertThat(part).doesNotExist();
        assertThat(Files.readAllBytes(folder().resolve("blobs").resolve(sha))).isEqualTo(Files.readAllBytes(LLAMA.resolve(WEIGHTS)));
    }

    /**
     * A disk that refuses the bytes (here: the part file leads to /dev/full, which answers every write
     * with ENOSPC) ends the download at once with the disk's error: asking the Hub again cannot help.
     */
    @Test
    void aFullDiskEndsTheDownloadWithTheDisksErrorAndIsNotRetried() throws Exception {
        hub.addFolder("fixtures/llama", COMMIT, LLAMA, null);
        String sha = FakeHub.sha256(Files.readAllBytes(LLAMA.resolve(WEIGHTS)));
        Path part = Files.createDirectories(folder().resolve("blobs")).resolve(sha + ".incomplete");
        Files.createSymbolicLink(part, Path.of("/dev/full"));
        DownloadManager manager = manager();
        manager.start(ID, null, null, null, null);
        DownloadProgress done = await(manager, ID);
        assertThat(done.status()).isEqualTo("error");
        assertThat(done.error()).startsWith("could not write model.safetensors of fixtures/llama to disk: ")
                .contains("No space left on device").doesNotContain("connection").doesNotContain("attempts");
        assertThat(hub.requestsFor(WEIGHTS)).as(hub.requests.toString()).hasSize(1);
        assertThat(hub.requestsFor(sha)).as(hub.requests.toString()).filteredOn(r -> r.startsWith("cdn")).hasSize(1);
        assertThat(folder().resolve("snapshots")).doesNotExist();
        assertThat(folder().resolve("refs/main")).doesNotExist();
    }

    /**
     * A disk that fills up under a download (something else took the space) fails it with the disk's
     * error, and a restart still reports that error: the record of it did not fit on the full disk
     * either, so the part file gave back its last bytes for it. The disk is a real one, a small tmpfs
     * mounted on the models folder (the tests run as root, as chattr's elsewhere needs). With space freed, the same request continues the shortened part file from its end.
     */
    @Test
    void aDiskFilledUpUnderADownloadIsItsReasonAfterARestartToo() throws Exception {
        byte[] weights = new byte[10 << 20];
        new Random(11).nextBytes(weights);
        Map<String, byte[]> files = new LinkedHashMap<>();
        files.put("config.json", Files.readAllBytes(LLAMA.resolve("config.json")));
        files.put(WEIGHTS, weights);
        hub.add(new FakeHub.Repo("fixtures/llama", COMMIT, files, null, List.of()));
        hub.fault(WEIGHTS, Fault.HOLD);
        Path part = folder().resolve("blobs").resolve(FakeHub.sha256(weights) + ".incomplete");
        int firstBuffer = 4 << 20;
        mountTmpfs(models, "12m");
        try {
            DownloadManager first = manager();
            first.start(ID, null, null, null, null);
            assertThat(hub.awaitHolding()).isTrue();
            // Five of the ten MiB sent, then held: the part file gets the first full buffer (PartFile's
            // 4 MiB), and config.json comes whole.
            for (int i = 0; i < 2000 && (CachePaths.sizeOf(part) < firstBuffer
                    || first.progress(ID).orElseThrow().filesDone() < 1); i++) {
                Thread.sleep(10);
            }
            assertThat(Files.size(part)).isEqualTo(firstBuffer);
            assertThat(first.progress(ID).orElseThrow().filesDone()).isEqualTo(1);
            fill(models.resolve("filler"));
            hub.release();
            DownloadProgress failed = await(first, ID);
            assertThat(failed.status()).isEqualTo("error");
            assertThat(failed.error()).startsWith("could not write model.safetensors of fixtures/llama to disk: ")
                    .contains("No space left on device");
            // The record is written just after the download turns to error; without room it stays "downloading".
            DownloadRecord record = DownloadRecord.read(folder()).orElseThrow();
            for (int i = 0; i < 500 && !record.state().equals(DownloadRecord.ERROR); i++) {
                Thread.sleep(10);
                record = DownloadRecord.read(folder()).orElseThrow();
            }
            first.shutdown();
            assertThat(record.state()).isEqualTo(DownloadRecord.ERROR);
            assertThat(record.error()).isEqualTo(failed.error());
            long kept = Files.size(part);
            assertThat(kept).isPositive().isLessThan(firstBuffer);

            // "After a restart": the reason, not "interrupted by a restart".
            DownloadManager second = manager();
            DownloadProgress restored = second.progress(ID).orElseThrow();
            assertThat(restored.status()).isEqualTo("error");
            assertThat(restored.error()).isEqualTo(failed.error());

            Files.delete(models.resolve("filler"));
            second.start(ID, null, null, null, null);
            DownloadProgress done = await(second, ID);
            second.shutdown();
            assertThat(done.status()).as(String.valueOf(done.error())).isEqualTo("completed");
            assertThat(hub.requestsFor("range=bytes=" + kept + "-")).filteredOn(r -> r.startsWith("cdn")).hasSize(1);
            assertThat(Files.readAllBytes(folder().resolve("snapshots").resolve(COMMIT).resolve(WEIGHTS))).isEqualTo(weights);
        } finally {
            unmount(models);
        }
    }

    /** Mounts a tmpfs of {@code size} on {@code dir}, as root. */
    static void mountTmpfs(Path dir, String size) throws IOException, InterruptedException {
        Files.createDirectories(dir);
        Process mount = new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=" + size, "tmpfs", dir.toString())
                .redirectErrorStream(true).start();
        String said = new String(mount.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(mount.waitFor()).as("mount a tmpfs on " + dir + ": " + said).isZero();
    }

    /** Lazily, so a file still open somewhere cannot keep the next run's data directory mounted. */
    static void unmount(Path dir) throws IOException, InterruptedException {
        Process umount = new ProcessBuilder("umount", "-l", dir.toString()).redirectErrorStream(true).start();
        String said = new String(umount.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(umount.waitFor()).as(said).isZero();
    }

    /** Writes {@code file} until the disk refuses more. */
    static void fill(Path file) throws IOException {
        byte[] chunk = new byte[1 << 16];
        try (OutputStream out = Files.newOutputStream(file)) {
            for (int i = 0; i < 1024; i++) {
                out.write(chunk);
            }
        } catch (IOException full) {
            assertThat(full.getMessage()).contains("No space left on device");
            return;
        }
        throw new AssertionError("64 MiB written and the disk is not full");
    }

    /**
     * A part file that cannot even be opened for writing is the disk's error too, told by its reason
     * alone: a folder in its place, or a link into a folder that is gone (the JDK's exception then
     * carries nothing but the path, which the caller is not told).
     */
    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {"folder|Is a directory", "dangling link|its folder is gone"})
    void aPartFileThatCannotBeOpenedEndsTheDownloadWithoutRetries(String inTheWay, String reason) throws Exception {
        hub.addFolder("fixtures/llama", COMMIT, LLAMA, null);
        String sha = FakeHub.sha256(Files.readAllBytes(LLAMA.resolve(WEIGHTS)));
        Path part = Files.createDirectories(folder().resolve("blobs")).resolve(sha + ".incomplete");
        if (inTheWay.equals("folder")) {
            Files.createDirectories(part.resolve("in-the-way"));
        } else {
            Files.createSymbolicLink(part, models.resolve("gone").resolve("part").toAbsolutePath());
        }
        DownloadManager manager = manager();
        manager.start(ID, null, null, null, null);
        DownloadProgress done = await(manager, ID);
        assertThat(done.status()).isEqualTo("error");
        assertThat(done.error()).startsWith("could not write model.safetensors of fixtures/llama to disk: " + reason)
                .doesNotContain("attempts").doesNotContain(models.toString());
        assertThat(hub.requestsFor(WEIGHTS)).as(hub.requests.toString()).hasSize(1);
    }

    @Test
    void wrongBytesFailTheSha256CheckAndNothingBecomesVisible() throws Exception {
        hub.addFolder("fixtures/llama", COMMIT, LLAMA, null);
        hub.fault(WEIGHTS, Fault.WRONG_BYTES);
        DownloadManager manager = manager();
        manager.start(ID, null, null, null, null);
        DownloadProgress done = await(manager, ID);
        assertThat(done.status()).isEqualTo("error");
        assertThat(done.error()).contains("model.safetensors failed its sha256 check");
        assertThat(manager.failure(ID)).contains(done.error());
        String sha = FakeHub.sha256(Files.readAllBytes(LLAMA.resolve(WEIGHTS)));
        assertThat(folder().resolve("blobs").resolve(sha)).doesNotExist();
        assertThat(folder().resolve("blobs").resolve(sha + ".incomplete")).doesNotExist();
        assertThat(folder().resolve("snapshots")).doesNotExist();
        assertThat(folder().resolve("refs/main")).doesNotExist();
        assertThat(ModelMetadata.read(folder())).isEmpty();
    }

    @Test
    void theTokenGoesToTheHubButNeverToTheRedirectHost() throws Exception {
        hub.addFolder("fixtures/llama", COMMIT, LLAMA, "hf_secret_token_123");
        DownloadManager manager = manager();
        manager.start(ID, null, null, null, "hf_secret_token_123");
        assertThat(await(manager, ID).status()).isEqualTo("completed");
        assertThat(hub.hubAuthorizations).isNotEmpty().allMatch(a -> a.equals("Bearer hf_secret_token_123"));
        assertThat(hub.cdnAuthorizations).isNotEmpty().allMatch(a -> a.equals("-"));
        // Never stored on disk.
        try (Stream<Path> walk = Files.walk(folder())) {
            for (Path p : walk.filter(Files::isRegularFile).toList()) {
                assertThat(new String(Files.readAllBytes(p), java.nio.charset.StandardCharsets.ISO_8859_1))
                        .doesNotContain("hf_secret_token_123");
            }
        }
    }

    @Test
    void aPrivateRepoWithoutATokenIsAClearError() {
        hub.addFolder("fixtures/llama", COMMIT, LLAMA, "hf_secret_token_123");
        DownloadManager manager = manager();
        assertThatThrownBy(() -> manager.start(ID, null, null, null, null))
                .isInstanceOfSatisfying(ApiException.class, e -> {
                    assertThat(e.status()).isEqualTo(502);
                    assertThat(e.getMessage()).contains("the Hub refused access to fixtures/llama")
                            .contains("private or gated: send auth_token or set HF_TOKEN");
                });
        DownloadProgress p = manager.progress(ID).orElseThrow();
        assertThat(p.status()).isEqualTo("error");
        assertThat(p.error()).contains("private or gated");
        assertThatThrownBy(() -> manager.start(ID, null, null, null, "wrong-token"))
                .hasMessageContaining("the token was refused or has no access").hasMessageNotContaining("wrong-token");
        assertThat(folder().resolve("snapshots")).doesNotExist();
    }

    @Test
    void aRateLimitIsRetriedAndAServerThatKeepsFailingEndsInAnError() throws Exception {
        hub.addFolder("fixtures/llama", COMMIT, LLAMA, null);
        hub.fault("config.json", Fault.TOO_MANY_REQUESTS);
        DownloadManager manager = manager();
        manager.start(ID, null, null, null, null);
        assertThat(await(manager, ID).status()).isEqualTo("completed");
        assertThat(hub.requestsFor("/resolve/" + COMMIT + "/config.json")).hasSize(2);

        FakeHub.Repo other = hub.addFolder("fixtures/other", COMMIT, LLAMA, null);
        hub.fault(WEIGHTS, Fault.SERVER_ERROR_ALWAYS);
        ModelId otherId = ModelId.parse(other.id(), "model_name");
        manager.start(otherId, null, null, null, null);
        DownloadProgress failed = await(manager, otherId);
        assertThat(failed.status()).isEqualTo("error");
        assertThat(failed.error()).contains("the Hub failed to serve model.safetensors of fixtures/other; try again later")
                .contains("HTTP 500").contains("gave up after 3 attempts");
        assertThat(otherId.cacheFolderIn(models).resolve("refs/main")).doesNotExist();
    }

    @Test
    void cleaningLeftoversSkipsARunningDownloadAndForgetsAFailedOne() throws Exception {
        hub.addFolder("fixtures/llama", COMMIT, LLAMA, null);
        Map<String, byte[]> otherFiles = new LinkedHashMap<>();
        otherFiles.put("config.json", Files.readAllBytes(LLAMA.resolve("config.json")));
        otherFiles.put("other.safetensors", new byte[] {1, 2, 3});
        ModelId otherId = ModelId.parse("fixtures/other", "model_name");
        hub.add(new FakeHub.Repo(otherId.toString(), COMMIT, otherFiles, null, List.of()));
        DownloadManager manager = manager();
        // A failed download: its config verified and in blobs, the weights never came.
        hub.fault("other.safetensors", Fault.SERVER_ERROR_ALWAYS);
        manager.start(otherId, null, null, null, null);
        assertThat(await(manager, otherId).status()).isEqualTo("error");
        assertThat(otherId.cacheFolderIn(models).resolve("blobs")).isNotEmptyDirectory();
        // A running download, held halfway through its weights.
        hub.fault(WEIGHTS, Fault.HOLD);
        manager.start(ID, null, null, null, null);
        assertThat(hub.awaitHolding()).isTrue();
        // The server holds after half the weights; their part file appears once the gateway writes them.
        Path part = folder().resolve("blobs/" + FakeHub.sha256(Files.readAllBytes(LLAMA.resolve(WEIGHTS))) + ".incomplete");
        for (int i = 0; i < 2000 && !Files.exists(part); i++) {
            Thread.sleep(10);
        }
        assertThat(part).as("the held weights' part file").exists();

        List<Path> removed = new java.util.ArrayList<>();
        manager.cleanLeftovers(file -> {
            removed.add(file);
            try {
                Files.delete(file);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });

        assertThat(removed).isNotEmpty().allMatch(p -> p.startsWith(otherId.cacheFolderIn(models)));
        assertThat(otherId.cacheFolderIn(models)).doesNotExist();
        assertThat(manager.progress(otherId)).isEmpty();
        assertThat(part).exists();
        hub.release();
        DownloadProgress done = await(manager, ID);
        assertThat(done.status()).as(String.valueOf(done.error())).isEqualTo("completed");
        assertThat(Files.readAllBytes(folder().resolve("snapshots").resolve(COMMIT).resolve(WEIGHTS)))
                .isEqualTo(Files.readAllBytes(LLAMA.resolve(WEIGHTS)));
    }

    @Test
    void whileAFolderIsCleanedItsModelCannotStartAndOthersAreNotHeldUp() throws Exception {
        hub.addFolder("fixtures/llama", COMMIT, LLAMA, null);
        ModelId otherId = ModelId.parse("fixtures/other", "model_name");
        hub.addFolder(otherId.toString(), COMMIT, LLAMA, null);
        DownloadManager manager = manager();
        hub.fault(WEIGHTS, Fault.SERVER_ERROR_ALWAYS);
        manager.start(ID, null, null, null, null);
        assertThat(await(manager, ID).status()).isEqualTo("error");
        hub.faults(WEIGHTS).clear();
        java.util.concurrent.CountDownLatch entered = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch proceed = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.ExecutorService cleaner = java.util.concurrent.Executors.newSingleThreadExecutor();
        try {
            java.util.concurrent.Future<?> cleaning = cleaner.submit(() -> manager.cleanLeftovers(file -> {
                entered.countDown();
                try {
                    proceed.await(20, java.util.concurrent.TimeUnit.SECONDS);
                    Files.deleteIfExists(file);
                } catch (IOException | InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            }));
            assertThat(entered.await(20, java.util.concurrent.TimeUnit.SECONDS)).isTrue();

            assertThatThrownBy(() -> manager.start(ID, null, null, null, null))
                    .isInstanceOfSatisfying(ApiException.class, e -> {
                        assertThat(e.status()).isEqualTo(409);
                        assertThat(e.getMessage()).contains("the files of fixtures/llama are being removed");
                    });
            assertTimeoutPreemptively(Duration.ofSeconds(10), () -> manager.start(otherId, null, null, null, null));
            assertThat(await(manager, otherId).status()).isEqualTo("completed");

            proceed.countDown();
            cleaning.get(20, java.util.concurrent.TimeUnit.SECONDS);
            assertThat(folder()).doesNotExist();
            manager.start(ID, null, null, null, null);
            assertThat(await(manager, ID).status()).isEqualTo("completed");
        } finally {
            proceed.countDown();
            cleaner.shutdownNow();
        }
    }

    @Test
    void filesWithTheSameContentShareOneBlob() throws Exception {
        DownloadManager manager = manager();
        byte[] weights = Files.readAllBytes(LLAMA.resolve(WEIGHTS));
        // Several repos, as a race between two transfers of one blob does not lose every time.
        for (int i = 0; i < 3; i++) {
            Map<String, byte[]> files = new LinkedHashMap<>();
            files.put("config.json", Files.readAllBytes(LLAMA.resolve("config.json")));
            files.put("special_tokens_map.json", "{}".getBytes());
            files.put("added_tokens.json", "{}".getBytes());
            files.put("generation_config.json", "{}".getBytes());
            files.put(WEIGHTS, weights);
            ModelId id = ModelId.parse("twins/repo-" + i, "model_name");
            hub.add(new FakeHub.Repo(id.toString(), COMMIT, files, null, List.of()));
            manager.start(id, null, null, null, null);
            DownloadProgress done = await(manager, id);
            assertThat(done.status()).as(String.valueOf(done.error())).isEqualTo("completed");
            Path snapshot = id.cacheFolderIn(models).resolve("snapshots").resolve(COMMIT);
            for (String empty : List.of("special_tokens_map.json", "added_tokens.json", "generation_config.json")) {
                assertThat(Files.readSymbolicLink(snapshot.resolve(empty)).toString())
                        .isEqualTo("../../blobs/" + FakeHub.gitBlob("{}".getBytes()));
                assertThat(snapshot.resolve(empty)).hasContent("{}");
            }
            assertThat(Files.readAllBytes(snapshot.resolve(WEIGHTS))).isEqualTo(weights);
            try (Stream<Path> blobs = Files.list(id.cacheFolderIn(models).resolve("blobs"))) {
                assertThat(blobs.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder(
                        FakeHub.gitBlob(files.get("config.json")), FakeHub.gitBlob("{}".getBytes()), FakeHub.sha256(weights));
            }
        }
    }

    @Test
    void aSecondFormatOfTheSameCommitIsRefusedUntilTheModelIsDeleted() throws Exception {
        Map<String, byte[]> files = new LinkedHashMap<>();
        for (String name : List.of("config.json", "tokenizer.json", WEIGHTS)) {
            files.put(name, Files.readAllBytes(LLAMA.resolve(name)));
        }
        files.put("model.onnx", new byte[] {8, 1, 18, 0});
        hub.add(new FakeHub.Repo(ID.toString(), COMMIT, files, null, List.of()));
        DownloadManager manager = manager();
        manager.start(ID, null, "safetensors", null, null);
        assertThat(await(manager, ID).status()).isEqualTo("completed");

        assertThatThrownBy(() -> manager.start(ID, null, "onnx", null, null))
                .isInstanceOfSatisfying(ApiException.class, e -> {
                    assertThat(e.status()).isEqualTo(409);
                    assertThat(e.getMessage()).isEqualTo("fixtures/llama at commit " + COMMIT + " is on disk as "
                            + "safetensors; the gateway keeps one format per model: delete it (DELETE "
                            + "/api/v1/models/{model_id}) before downloading it as onnx");
                });
        Path snapshot = folder().resolve("snapshots").resolve(COMMIT);
        assertThat(snapshot.resolve("model.onnx")).doesNotExist();
        assertThat(ModelMetadata.read(folder()).orElseThrow().format()).isEqualTo("safetensors");
        assertThat(hub.requestsFor("/resolve/" + COMMIT + "/model.onnx")).isEmpty();
        // The same format again is a repair, not a second format.
        manager.start(ID, null, "safetensors", null, null);
        assertThat(await(manager, ID).status()).isEqualTo("completed");
        // Deleted, the model can come in the other format.
        manager.deleteModel(ID);
        manager.start(ID, null, "onnx", null, null);
        assertThat(await(manager, ID).status()).isEqualTo("completed");
        assertThat(snapshot.resolve("model.onnx")).exists();
        assertThat(snapshot.resolve(WEIGHTS)).doesNotExist();
    }

    @Test
    void aServerSendingMoreThanItAnnouncedIsCutOffRightPastTheAnnouncedSize() throws Exception {
        Map<String, byte[]> files = new LinkedHashMap<>();
        for (String name : List.of("config.json", "tokenizer.json")) {
            files.put(name, Files.readAllBytes(LLAMA.resolve(name)));
        }
        files.put(WEIGHTS, new byte[32 << 20]);
        hub.add(new FakeHub.Repo(ID.toString(), COMMIT, files, null, List.of()));
        // The disk check trusts the listing: 1000 bytes. The CDN sends 32 MiB.
        hub.claimSize(WEIGHTS, 1000);
        DownloadManager manager = manager();
        manager.start(ID, null, null, null, null);
        DownloadProgress done = await(manager, ID);
        assertThat(done.status()).isEqualTo("error");
        assertThat(done.error()).contains("the Hub sent more than the 1000 bytes it announced for " + WEIGHTS
                + "; it was discarded");
        // The connection was dropped after byte 1001: the server could not hand over the whole body.
        assertThat(hub.bytesSent(WEIGHTS)).isZero();
        try (Stream<Path> blobs = Files.list(folder().resolve("blobs"))) {
            assertThat(blobs.map(Path::toString)).noneMatch(p -> p.endsWith(".incomplete"));
        }
        assertThat(folder().resolve("snapshots")).doesNotExist();
    }

    @Test
    void aSecondQuantisationOfTheSameCommitIsRefusedUntilTheModelIsDeleted() throws Exception {
        hub.add(ggufRepo());
        DownloadManager manager = manager();
        manager.start(ID, null, "gguf", "Q8_0", null);
        assertThat(await(manager, ID).status()).isEqualTo("completed");

        assertThatThrownBy(() -> manager.start(ID, null, "gguf", "F16", null))
                .isInstanceOfSatisfying(ApiException.class, e -> {
                    assertThat(e.status()).isEqualTo(409);
                    assertThat(e.getMessage()).isEqualTo("fixtures/llama at commit " + COMMIT + " is on disk as "
                            + "m-Q8_0.gguf; the gateway keeps one GGUF file per model: delete it (DELETE "
                            + "/api/v1/models/{model_id}) before downloading it as GGUF m-F16.gguf");
                });
        Path snapshot = folder().resolve("snapshots").resolve(COMMIT);
        assertThat(snapshot.resolve("m-F16.gguf")).doesNotExist();
        assertThat(hub.requestsFor("/resolve/" + COMMIT + "/m-F16.gguf")).isEmpty();
        // The same quantisation again is a repair.
        manager.start(ID, null, "gguf", "q8_0", null);
        assertThat(await(manager, ID).status()).isEqualTo("completed");
        manager.deleteModel(ID);
        manager.start(ID, null, "gguf", "F16", null);
        assertThat(await(manager, ID).status()).isEqualTo("completed");
        assertThat(snapshot.resolve("m-F16.gguf")).exists();
        assertThat(snapshot.resolve("m-Q8_0.gguf")).doesNotExist();
    }

    @Test
    void aRequestForAnotherFormatOrQuantisationDoesNotJoinTheRunningDownload() throws Exception {
        hub.add(ggufRepo());
        hub.fault("m-Q8_0.gguf", Fault.HOLD);
        DownloadManager manager = manager();
        try {
            manager.start(ID, null, "gguf", "Q8_0", null);
            assertThat(hub.awaitHolding()).isTrue();
            assertThatThrownBy(() -> manager.start(ID, null, "gguf", "F16", null))
                    .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.getMessage()).isEqualTo(
                            "a download of fixtures/llama as Q8_0 is running; wait for it or cancel it (DELETE) "
                                    + "before asking for F16"));
            assertThatThrownBy(() -> manager.start(ID, null, "onnx", null, null))
                    .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.getMessage()).isEqualTo(
                            "a download of fixtures/llama as gguf is running; wait for it or cancel it (DELETE) "
                                    + "before asking for onnx"));
            // What it fetches, asked for again or not named: joined.
            assertThat(manager.start(ID, null, "gguf", "q8_0", null).joined()).isTrue();
            assertThat(manager.start(ID, null, null, null, null).joined()).isTrue();
        } finally {
            hub.release();
        }
        assertThat(await(manager, ID).status()).isEqualTo("completed");
        assertThat(hub.requestsFor("m-F16.gguf")).isEmpty();
    }

    @Test
    void whileTheFileListIsSlowARequestNamingAFormatIsToldToAskAgainThenJoins() throws Exception {
        hub.addFolder("fixtures/llama", COMMIT, LLAMA, null);
        hub.fault(FakeHub.LISTING, Fault.SILENT);
        DownloadManager manager = managerAnsweringWithin(Duration.ofMillis(200), Duration.ofMillis(5));
        try {
            assertThat(manager.start(ID, null, null, null, null).joined()).isFalse();
            // What the download will fetch is not known yet: neither a join nor a refusal is right.
            assertThatThrownBy(() -> manager.start(ID, null, "gguf", null, null))
                    .isInstanceOfSatisfying(ApiException.class, e -> {
                        assertThat(e.status()).isEqualTo(503);
                        assertThat(e.getMessage()).contains("whether it fetches gguf is not known");
                    });
            // Not naming a format, it joins.
            assertThat(manager.start(ID, null, null, null, null).joined()).isTrue();
            hub.release();
            assertThat(await(manager, ID).status()).isEqualTo("completed");
        } finally {
            hub.release();
            manager.shutdown();
        }
    }

    private FakeHub.Repo ggufRepo() throws IOException {
        Map<String, byte[]> files = new LinkedHashMap<>();
        files.put("config.json", Files.readAllBytes(LLAMA.resolve("config.json")));
        files.put("m-Q8_0.gguf", "GGUF q8".getBytes(StandardCharsets.US_ASCII));
        files.put("m-F16.gguf", "GGUF f16".getBytes(StandardCharsets.US_ASCII));
        return new FakeHub.Repo(ID.toString(), COMMIT, files, null, List.of());
    }

    @Test
    void withoutBlobIdsInTheListingFilesAreCheckedAgainstTheirETag() throws Exception {
        hub.omitBlobIds();
        hub.addFolder("fixtures/llama", COMMIT, LLAMA, null);
        DownloadManager manager = manager();
        manager.start(ID, null, null, null, null);
        assertThat(await(manager, ID).status()).isEqualTo("completed");
        byte[] config = Files.readAllBytes(LLAMA.resolve("config.json"));
        // Named by its git blob id, as huggingface-cli names a file outside LFS.
        assertThat(Files.readSymbolicLink(folder().resolve("snapshots").resolve(COMMIT).resolve("config.json")).toString())
                .isEqualTo("../../blobs/" + FakeHub.gitBlob(config));

        ModelId otherId = ModelId.parse("fixtures/other", "model_name");
        hub.addFolder(otherId.toString(), COMMIT, LLAMA, null);
        hub.fault("config.json", Fault.WRONG_BYTES);
        manager.start(otherId, null, null, null, null);
        DownloadProgress failed = await(manager, otherId);
        assertThat(failed.status()).isEqualTo("error");
        assertThat(failed.error()).contains("config.json does not match its git blob id (expected " + FakeHub.gitBlob(config));
        assertThat(otherId.cacheFolderIn(models).resolve("snapshots")).doesNotExist();
    }

    @Test
    void noMoreFilesTravelAtOnceThanTheBound() throws Exception {
        hub.addFolder("fixtures/llama", COMMIT, LLAMA, null);
        try (Stream<Path> files = Files.list(LLAMA)) {
            files.forEach(f -> hub.fault(f.getFileName().toString(), Fault.SLOW));
        }
        ModelId otherId = ModelId.parse("fixtures/other", "model_name");
        hub.addFolder(otherId.toString(), COMMIT, LLAMA, null);
        try (Stream<Path> files = Files.list(LLAMA)) {
            files.forEach(f -> hub.fault(f.getFileName().toString(), Fault.SLOW));
        }
        DownloadManager manager = manager(); // parallelFiles = 2, over all downloads
        manager.start(ID, null, null, null, null);
        manager.start(otherId, null, null, null, null);
        assertThat(await(manager, ID).status()).isEqualTo("completed");
        assertThat(await(manager, otherId).status()).isEqualTo("completed");
        // Ten slow files (a quarter second each) went two at a time: never more, and in parallel.
        assertThat(hub.maxConcurrentSlowTransfers()).isEqualTo(2);
    }

    @Test
    void unsafeNamesFromTheHubAreRefused() {
        Map<String, byte[]> files = new LinkedHashMap<>();
        files.put("config.json", "{}".getBytes());
        files.put(WEIGHTS, new byte[] {1, 2, 3});
        for (String evil : List.of("../../etc/passwd", "/etc/passwd", "sub/../../x.json", "a\\..\\b", "C:x",
                "nul\0.json", "evil\u202Egpj.json", "lone\uD800.json", "x".repeat(256))) {
            FakeHub hubRepo = hub;
            hubRepo.add(new FakeHub.Repo("evil/repo", COMMIT, files, null, List.of(evil)));
            DownloadManager manager = manager();
            assertThatThrownBy(() -> manager.start(ModelId.parse("evil/repo", "m"), null, null, null, null))
                    .as(evil).hasMessageContaining("unsafe file name");
        }
        hub.add(new FakeHub.Repo("evil/commit", "../../../tmp", files, null, List.of()));
        assertThatThrownBy(() -> manager().start(ModelId.parse("evil/commit", "m"), null, null, null, null))
                .hasMessageContaining("invalid commit");
        assertThat(models.getParent().resolve("etc")).doesNotExist();
        assertThat(ModelId.parse("evil/repo", "m").cacheFolderIn(models).resolve("snapshots")).doesNotExist();
        // No file request was ever made.
        assertThat(hub.requestsFor("/resolve/")).isEmpty();
    }

    @Test
    void namesRepositoriesReallyHaveDoNotStopADownload() throws Exception {
        Map<String, byte[]> files = new LinkedHashMap<>();
        for (String name : List.of("config.json", "tokenizer.json", WEIGHTS)) {
            files.put(name, Files.readAllBytes(LLAMA.resolve(name)));
        }
        hub.add(new FakeHub.Repo(ID.toString(), COMMIT, files, null,
                List.of("README_中文.md", "notes/it's.md", "docs/résumé #1.md", "a~b&c (copy).txt", "ü".repeat(127))));
        DownloadManager manager = manager();
        manager.start(ID, null, null, null, null);
        assertThat(await(manager, ID).status()).isEqualTo("completed");
    }

    @Test
    void aFileListLargerThanAnyModelsIsRefusedNotRetriedAndNotTakenForACancel() throws Exception {
        Map<String, byte[]> files = new LinkedHashMap<>();
        files.put("config.json", Files.readAllBytes(LLAMA.resolve("config.json")));
        int names = HubClient.LISTING_LIMIT / 200 + 1;
        List<String> extra = java.util.stream.IntStream.range(0, names).mapToObj(i -> "docs/" + i + "-" + "x".repeat(190))
                .toList();
        hub.add(new FakeHub.Repo(ID.toString(), COMMIT, files, null, extra));
        assertThatThrownBy(() -> manager().start(ID, null, null, null, null))
                .isInstanceOfSatisfying(ApiException.class, e -> {
                    assertThat(e.status()).isEqualTo(502);
                    assertThat(e.getMessage()).isEqualTo("the Hub's file list for fixtures/llama is larger than 32 MiB, "
                            + "which no model's is; refusing it");
                });
        assertThat(hub.requestsFor("/api/models/")).hasSize(1);
    }

    @Test
    void aMissingFormatNamesTheFormatsTheRepoHas() {
        hub.addFolder("fixtures/llama", COMMIT, LLAMA, null);
        assertThatThrownBy(() -> manager().start(ID, null, "gguf", null, null))
                .isInstanceOfSatisfying(ApiException.class, e -> {
                    assertThat(e.status()).isEqualTo(400);
                    assertThat(e.getMessage()).contains("fixtures/llama has no gguf files; it has safetensors");
                    assertThat(e.details().get(0).field()).isEqualTo("model_format");
                });
        assertThatThrownBy(() -> manager().start(ModelId.parse("nobody/nothing", "m"), null, null, null, null))
                .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.status()).isEqualTo(404));
    }

    /** A quantisation the repository lacks was asked for by model_name's suffix (":Q4_K_M"): that field is named. */
    @Test
    void aMissingQuantisationNamesModelNameWhichAskedForIt() throws Exception {
        hub.addFolder("fixtures/llama", COMMIT, LLAMA, null);
        assertThatThrownBy(() -> manager().start(ID, null, "gguf", "Q8_0", null))
                .isInstanceOfSatisfying(ApiException.class, e -> {
                    assertThat(e.getMessage()).contains("fixtures/llama has no gguf files; it has safetensors");
                    assertThat(e.details().get(0).field()).isEqualTo("model_name");
                });
        ModelId other = ModelId.parse("fixtures/gguf", "m");
        hub.add(new FakeHub.Repo(other.toString(), COMMIT, Map.of("m-Q8_0.gguf", "GGUF q8".getBytes(StandardCharsets.US_ASCII)),
                null, List.of()));
        assertThatThrownBy(() -> manager().start(other, null, "gguf", "Q4_K_M", null))
                .isInstanceOfSatisfying(ApiException.class, e -> {
                    assertThat(e.status()).isEqualTo(400);
                    assertThat(e.getMessage()).contains("fixtures/gguf has no GGUF file for quantisation Q4_K_M; it has Q8_0");
                    assertThat(e.details().get(0).field()).isEqualTo("model_name");
                });
    }

    @Test
    void tooLittleDiskIsRefusedWithTheNumbers() {
        hub.addFolder("fixtures/llama", COMMIT, LLAMA, null);
        hub.claimSize(1L << 50);
        assertThatThrownBy(() -> manager().start(ID, null, null, null, null))
                .isInstanceOfSatisfying(ApiException.class, e -> {
                    assertThat(e.status()).isEqualTo(507);
                    assertThat(e.getMessage()).contains("not enough disk space to download fixtures/llama")
                            .contains("needs " + 5 * (1L << 50) + " bytes").contains("are free");
                });
        assertThat(hub.requestsFor("/resolve/")).isEmpty();
    }

    @Test
    void theDiskCheckCountsWhatRunningDownloadsStillNeed() throws Exception {
        hub.addFolder("fixtures/llama", COMMIT, LLAMA, null);
        ModelId otherId = ModelId.parse("fixtures/other", "model_name");
        hub.addFolder(otherId.toString(), COMMIT, LLAMA, null);
        Files.createDirectories(models);
        long free = Files.getFileStore(models).getUsableSpace();
        // Each repo claims weights of a quarter of the free space; the margin leaves room for one and a half.
        long weights = free / 4;
        hub.claimSize(WEIGHTS, weights);
        hub.fault(WEIGHTS, Fault.HOLD);
        DownloadManager manager = manager(3, DataSize.ofBytes(free - 3 * weights / 2), Duration.ofSeconds(10));
        try {
            manager.start(ID, null, null, null, null);
            assertThat(hub.awaitHolding()).isTrue();
            assertThatThrownBy(() -> manager.start(otherId, null, null, null, null))
                    .isInstanceOfSatisfying(ApiException.class, e -> {
                        assertThat(e.status()).isEqualTo(507);
                        assertThat(e.getMessage()).contains("not enough disk space to download fixtures/other")
                                .contains("of which downloads under way still need");
                    });
            assertThat(hub.requestsFor("/fixtures/other/resolve/")).isEmpty();
            // Once the first download is gone, its promise is too.
            assertThat(manager.cancel(ID)).isTrue();
            assertThat(manager.start(otherId, null, null, null, null).progress().status()).isEqualTo("downloading");
            manager.cancel(otherId);
        } finally {
            hub.release();
            manager.shutdown();
        }
    }

    @Test
    void aSecondRequestJoinsTheRunningDownload() throws Exception {
        hub.addFolder("fixtures/llama", COMMIT, LLAMA, null);
        hub.fault(WEIGHTS, Fault.HOLD);
        DownloadManager manager = manager();
        assertThat(manager.start(ID, null, null, null, null).joined()).isFalse();
        assertThat(hub.awaitHolding()).isTrue();
        DownloadManager.Started second = manager.start(ID, null, null, null, null);
        assertThat(second.joined()).isTrue();
        assertThat(second.progress().status()).isEqualTo("downloading");
        assertThat(manager.downloading(ID)).isTrue();
        hub.release();
        assertThat(await(manager, ID).status()).isEqualTo("completed");
        assertThat(hub.requestsFor("/api/models/")).hasSize(1);
        assertThat(hub.requestsFor("cdn GET")).hasSize(1);
    }

    @Test
    void cancellingRemovesEverythingOfTheDownload() throws Exception {
        hub.addFolder("fixtures/llama", COMMIT, LLAMA, null);
        hub.fault(WEIGHTS, Fault.HOLD);
        DownloadManager manager = manager();
        manager.start(ID, null, null, null, null);
        assertThat(hub.awaitHolding()).isTrue();
        assertThat(manager.cancel(ID)).isTrue();
        assertThat(manager.progress(ID)).isEmpty();
        assertThat(manager.downloading(ID)).isFalse();
        assertThat(folder()).doesNotExist();
        assertThat(manager.cancel(ID)).isFalse();
    }

    @Test
    void aCancelReachesARequestStillWaitingForItsAnswer() throws Exception {
        hub.addFolder("fixtures/llama", COMMIT, LLAMA, null);
        hub.fault(WEIGHTS, Fault.SILENT);
        // The read timeout (5 min) and the server's silence (20 s) both outlast the bound of the
        // cancel (10 s): only aborting the waiting request ends it in time.
        DownloadManager manager = manager(3, DataSize.ofKilobytes(1), Duration.ofMinutes(5));
        try {
            manager.start(ID, null, null, null, null);
            assertThat(hub.awaitHolding()).isTrue();
            assertTimeoutPreemptively(Duration.ofSeconds(10), () -> assertThat(manager.cancel(ID)).isTrue());
            assertThat(manager.downloading(ID)).isFalse();
            assertThat(folder()).doesNotExist();
        } finally {
            hub.release();
            manager.shutdown();
        }
    }

    @Test
    void aRefusalThatComesAfterTheAnswerShowsAsTheDownloadsError() throws Exception {
        hub.addFolder("fixtures/llama", COMMIT, LLAMA, null);
        hub.fault(FakeHub.LISTING, Fault.SILENT);
        hub.claimSize(1L << 50);
        DownloadManager manager = managerAnsweringWithin(Duration.ofMillis(200), Duration.ofMillis(5));
        try {
            DownloadManager.Started started = manager.start(ID, null, null, null, null);
            assertThat(started.progress().status()).isEqualTo("downloading");
            assertThat(started.progress().revision()).isNull();
            hub.release();
            DownloadProgress failed = await(manager, ID);
            assertThat(failed.status()).isEqualTo("error");
            assertThat(failed.error()).contains("not enough disk space to download fixtures/llama");
            assertThat(hub.requestsFor("/resolve/")).isEmpty();
            assertThat(folder().resolve("snapshots")).doesNotExist();
        } finally {
            hub.release();
            manager.shutdown();
        }
    }

    @Test
    void aCancelEndsTheWaitBetweenRetriesOfTheListingAtOnce() throws Exception {
        hub.addFolder("fixtures/llama", COMMIT, LLAMA, null);
        hub.fault(FakeHub.LISTING, Fault.SERVER_ERROR_ALWAYS);
        // A minute between tries, waited for in the background after the answer: only a cancel that
        // wakes the waiting coordinator ends this in time.
        DownloadManager manager = managerAnsweringWithin(Duration.ofMillis(500), Duration.ofMinutes(1));
        try {
            assertThat(manager.start(ID, null, null, null, null).progress().status()).isEqualTo("downloading");
            for (int i = 0; i < 1000 && hub.count("hub GET /api/models/") == 0; i++) {
                Thread.sleep(10);
            }
            assertThat(hub.count("hub GET /api/models/")).isEqualTo(1);
            assertTimeoutPreemptively(Duration.ofSeconds(10), () -> assertThat(manager.cancel(ID)).isTrue());
            assertThat(manager.progress(ID)).isEmpty();
            assertThat(hub.count("hub GET /api/models/")).isEqualTo(1);
        } finally {
            manager.shutdown();
        }
    }

    @Test
    void aCancelDuringTheListingLeavesNothingListed() throws Exception {
        hub.addFolder("fixtures/llama", COMMIT, LLAMA, null);
        hub.fault(FakeHub.LISTING, Fault.SILENT);
        DownloadManager manager = manager(3, DataSize.ofKilobytes(1), Duration.ofMinutes(5));
        java.util.concurrent.ExecutorService caller = java.util.concurrent.Executors.newSingleThreadExecutor();
        try {
            java.util.concurrent.Future<DownloadManager.Started> started =
                    caller.submit(() -> manager.start(ID, null, null, null, null));
            assertThat(hub.awaitHolding()).isTrue();
            assertTimeoutPreemptively(Duration.ofSeconds(10), () -> assertThat(manager.cancel(ID)).isTrue());
            assertThat(manager.progress(ID)).isEmpty();
            assertThat(manager.all()).isEmpty();
            assertThatThrownBy(() -> started.get(10, java.util.concurrent.TimeUnit.SECONDS))
                    .cause().isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.status()).isEqualTo(409));
            assertThat(hub.count("hub GET /api/models/")).isEqualTo(1);
            assertThat(folder()).doesNotExist();
        } finally {
            hub.release();
            caller.shutdownNow();
            manager.shutdown();
        }
    }

    @Test
    void aStalledTransferIsDroppedAndContinuedAndSlowOnesFinish() throws Exception {
        hub.addFolder("fixtures/llama", COMMIT, LLAMA, null);
        hub.fault(WEIGHTS, Fault.HOLD);
        hub.fault("tokenizer.json", Fault.SLOW);
        DownloadManager manager = manager(3, DataSize.ofKilobytes(1), Duration.ofMillis(300));
        manager.start(ID, null, null, null, null);
        DownloadProgress done = await(manager, ID);
        assertThat(done.status()).as(String.valueOf(done.error())).isEqualTo("completed");
        assertThat(hub.requestsFor("cdn GET")).hasSize(2);
        assertThat(hub.bytesSent(WEIGHTS)).isLessThan((long) (1.2 * weightsSize()));
        assertThat(Files.readAllBytes(folder().resolve("snapshots").resolve(COMMIT).resolve("tokenizer.json")))
                .isEqualTo(Files.readAllBytes(LLAMA.resolve("tokenizer.json")));
    }

    static final String COMMIT_V1 = "7777777777777777777777777777777777777777";

    /** The repo at tag v1.0: its own commit, with a generation config that differs from main's. */
    byte[] tagV1() throws IOException {
        Map<String, byte[]> files = new LinkedHashMap<>();
        try (Stream<Path> list = Files.list(LLAMA)) {
            for (Path f : list.sorted().toList()) {
                files.put(f.getFileName().toString(), Files.readAllBytes(f));
            }
        }
        byte[] generation = "{\"max_new_tokens\": 7}".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        files.put("generation_config.json", generation);
        hub.addRevision("v1.0", new FakeHub.Repo("fixtures/llama", COMMIT_V1, files, null, List.of()));
        hub.addRevision("refs/pr/1", new FakeHub.Repo("fixtures/llama", COMMIT_V1, files, null, List.of()));
        return generation;
    }

    @Test
    void aRevisionIsListedFetchedAtItsCommitAndRecordedAsHuggingfaceCliDoes() throws Exception {
        hub.addFolder("fixtures/llama", COMMIT, LLAMA, null);
        byte[] generation = tagV1();
        DownloadManager manager = manager();
        DownloadManager.Started started = manager.start(ID, "v1.0", null, null, null);
        assertThat(started.progress().revision()).isEqualTo(COMMIT_V1);
        assertThat(started.progress().requestedRevision()).isEqualTo("v1.0");
        assertThat(await(manager, ID).status()).isEqualTo("completed");

        assertThat(hub.requestsFor("/api/models/")).singleElement().asString()
                .startsWith("hub GET /api/models/fixtures/llama/revision/v1.0 ");
        // Every file comes from the commit the tag named, never from "main" or the tag (which could move).
        assertThat(hub.requestsFor("hub GET /fixtures/llama/resolve/")).hasSize(5)
                .allMatch(r -> r.startsWith("hub GET /fixtures/llama/resolve/" + COMMIT_V1 + "/"));
        assertThat(Files.readString(folder().resolve("refs/v1.0"))).isEqualTo(COMMIT_V1);
        assertThat(folder().resolve("refs/main")).doesNotExist();
        assertThat(Files.readAllBytes(folder().resolve("snapshots").resolve(COMMIT_V1).resolve("generation_config.json")))
                .isEqualTo(generation);
        ModelMetadata meta = ModelMetadata.read(folder()).orElseThrow();
        assertThat(meta.revision()).isEqualTo("v1.0");
        assertThat(meta.commit()).isEqualTo(COMMIT_V1);

        // A pull-request ref travels URL-encoded and lands in refs/refs/pr/1, as huggingface-cli writes it.
        manager.start(ID, "refs/pr/1", null, null, null);
        assertThat(await(manager, ID).status()).isEqualTo("completed");
        assertThat(hub.requestsFor("/api/models/")).last().asString()
                .startsWith("hub GET /api/models/fixtures/llama/revision/refs%2Fpr%2F1 ");
        assertThat(Files.readString(folder().resolve("refs/refs/pr/1"))).isEqualTo(COMMIT_V1);

        // A commit asked for by its sha gets no ref (huggingface-cli writes none either).
        manager.start(ID, COMMIT, null, null, null);
        assertThat(await(manager, ID).status()).isEqualTo("completed");
        assertThat(folder().resolve("refs").resolve(COMMIT)).doesNotExist();
        assertThat(folder().resolve("refs/main")).doesNotExist();
        assertThat(ModelMetadata.read(folder()).orElseThrow().revision()).isEqualTo(COMMIT);
        assertThat(folder().resolve("snapshots").resolve(COMMIT).resolve(WEIGHTS)).exists();
    }

    @Test
    void aBadRevisionIsRefusedBeforeAnyRequestAndAnUnknownOneIs404() throws Exception {
        hub.addFolder("fixtures/llama", COMMIT, LLAMA, null);
        DownloadManager manager = manager();
        for (String bad : List.of("../main", "/etc/passwd", "a//b", "refs/", ".hidden", "a/.git", "a b", "v1..2",
                "x.lock", "main?x=1", "main%2F..", "tag\\x", "é", "v".repeat(129))) {
            assertThatThrownBy(() -> manager.start(ID, bad, null, null, null)).as(bad)
                    .isInstanceOfSatisfying(ApiException.class, e -> {
                        assertThat(e.status()).isEqualTo(400);
                        assertThat(e.details()).singleElement().satisfies(d -> assertThat(d.field()).isEqualTo("revision"));
                    });
        }
        assertThat(hub.requests).isEmpty();
        assertThat(manager.progress(ID)).isEmpty();
        assertThatThrownBy(() -> manager.start(ID, "no-such-branch", null, null, null))
                .isInstanceOfSatisfying(ApiException.class, e -> {
                    assertThat(e.status()).isEqualTo(404);
                    assertThat(e.getMessage()).contains("the Hub has no model fixtures/llama at revision no-such-branch");
                });
        assertThat(folder()).doesNotExist();
    }

    @Test
    void aRequestForAnotherRevisionDoesNotJoinTheRunningDownload() throws Exception {
        hub.addFolder("fixtures/llama", COMMIT, LLAMA, null);
        tagV1();
        hub.fault(WEIGHTS, Fault.HOLD);
        DownloadManager manager = manager();
        manager.start(ID, null, null, null, null);
        assertThat(hub.awaitHolding()).isTrue();
        assertThatThrownBy(() -> manager.start(ID, "v1.0", null, null, null))
                .isInstanceOfSatisfying(ApiException.class, e -> {
                    assertThat(e.status()).isEqualTo(409);
                    assertThat(e.getMessage()).isEqualTo("a download of fixtures/llama at revision main is running; "
                            + "wait for it or cancel it (DELETE) before asking for revision v1.0");
                });
        assertThat(manager.start(ID, "main", null, null, null).joined()).isTrue();
        hub.release();
        assertThat(await(manager, ID).status()).isEqualTo("completed");
        assertThat(Files.readString(folder().resolve("refs/main"))).isEqualTo(COMMIT);
    }
}
