package com.cryptomaltese.gateway.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import com.cryptomaltese.gateway.TestApi;
import com.cryptomaltese.gateway.TestApi.Reply;
import com.cryptomaltese.gateway.TestData;
import com.cryptomaltese.gateway.engine.ChatMessage;
import com.cryptomaltese.gateway.engine.GenerationParams;
import com.cryptomaltese.gateway.engine.GenerationResult;
import com.cryptomaltese.gateway.engine.GenerationResult.FinishReason;
import com.cryptomaltese.gateway.engine.InferenceEngine;
import com.cryptomaltese.gateway.engine.LanguageModel;
import com.cryptomaltese.gateway.model.ModelService;
import com.fasterxml.jackson.databind.JsonNode;
import org.apache.camel.test.spring.junit5.CamelSpringBootTest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Bean;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;

/**
 * The admin API against a real data directory: cleanup (with a generation in flight, symlinks,
 * the loaded model, exact byte counts), log purges on real archive files, system status and the
 * audit trail; plus the chat deadline (504).
 *
 * <p>No real model runs here. {@link DeadlineProbeEngine} is a test-only engine whose model never
 * produces text: it only waits (for the deadline, or for the test to let go) and then reports
 * {@link FinishReason#DEADLINE}. That is enough to drive the 504 path and to keep a generation "in
 * flight" for exactly as long as a test needs, without any sleeps or timing guesses.
 *
 * <p>Every test sets up the disk state it asserts on (see {@link #probeModelLoaded()} and the
 * {@code fresh*} helpers), so the tests do not depend on their order.
 */
@CamelSpringBootTest
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "gateway.data-dir=" + MaintenanceApiTest.DATA_DIR_NAME,
        "gateway.security.api-keys=" + TestApi.USER_KEY,
        "gateway.security.admin-keys=" + TestApi.ADMIN_KEY,
        "gateway.chat.deadline=2s"})
class MaintenanceApiTest {

    static final String DATA_DIR_NAME = "target/test-data/maintenance";

    /** Emptied when the class loads, before the context (database, log files) starts. */
    static final Path DATA_DIR = TestData.freshDataDir(DATA_DIR_NAME);

    private static final String PROBE_ID = "probe-org/probe-model";
    private static final String PROBE_PATH = "/api/v1/models/probe-org%2Fprobe-model";
    private static final String CLEANUP = "/api/v1/admin/cleanup";
    private static final String PURGE = "/api/v1/admin/purge-logs";
    private static final String STATUS = "/api/v1/admin/system-status";
    private static final List<String> ACTIVE_LOGS =
            List.of("error.log", "warn.log", "info.log", "debug.log", "access.log", "audit.log");

    @LocalServerPort
    int port;

    @Autowired
    DeadlineProbeEngine probe;

    @Autowired
    ModelService models;

    TestApi api;

    // ---- the test-only engine ----

    @TestConfiguration
    static class ProbeEngineConfiguration {
        /** Asked before the real engines, which would otherwise try the probe folder's safetensors file. */
        @Bean
        @Order(Ordered.HIGHEST_PRECEDENCE)
        DeadlineProbeEngine deadlineProbeEngine() {
            return new DeadlineProbeEngine();
        }
    }

    /**
     * Runs only model folders holding a {@value #MARKER} file. Its model never makes up a reply: a
     * generation blocks until the deadline it is given, or, while a test holds it, until the test
     * releases it, and then reports {@link FinishReason#DEADLINE} with empty text.
     */
    static final class DeadlineProbeEngine implements InferenceEngine {

        static final String MARKER = "probe.engine";
        static final long MODEL_BYTES = 4096;

        /** What each generation was asked: the messages and the deadline. */
        record Call(List<ChatMessage> messages, Instant deadline) {
        }

        final List<Call> calls = new CopyOnWriteArrayList<>();
        private volatile CountDownLatch hold;

        /** From now on generations wait for the returned latch instead of their deadline. */
        CountDownLatch hold() {
            CountDownLatch latch = new CountDownLatch(1);
            hold = latch;
            return latch;
        }

        void release() {
            CountDownLatch latch = hold;
            hold = null;
            if (latch != null) {
                latch.countDown();
            }
        }

        @Override
        public String name() {
            return "deadline-probe";
        }

        @Override
        public boolean supports(Path modelDir) {
            return Files.isRegularFile(modelDir.resolve(MARKER));
        }

        @Override
        public LanguageModel load(Path modelDir) {
            return new LanguageModel() {
                @Override
                public GenerationResult generate(List<ChatMessage> messages, GenerationParams params, Instant deadline) {
                    calls.add(new Call(List.copyOf(messages), deadline));
                    CountDownLatch latch = hold;
                    try {
                        if (latch != null) {
                            // Bounded so that a failing test cannot hang the build.
                            latch.await(60, TimeUnit.SECONDS);
                        } else {
                            long wait = Duration.between(Instant.now(), deadline).toMillis();
                            if (wait > 0) {
                                Thread.sleep(wait);
                            }
                        }
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    return new GenerationResult("", FinishReason.DEADLINE, 0, 0);
                }

                @Override
                public long memoryBytes() {
                    return MODEL_BYTES;
                }

                @Override
                public void close() {
                }
            };
        }
    }

    // ---- setup ----

    @BeforeEach
    void probeModelLoaded() {
        api = new TestApi(port);
        Path folder = modelsDir().resolve("models--probe-org--probe-model");
        if (!Files.isDirectory(folder)) {
            TestData.hubModel(modelsDir(), "probe-org", "probe-model", "abc123", "model.safetensors", 128);
            write(folder.resolve("snapshots/abc123").resolve(DeadlineProbeEngine.MARKER), 1);
        }
        // Loading the model that is already loaded is a no-op that answers 200.
        Reply load = api.post(PROBE_PATH + "/load", TestApi.USER_KEY, null);
        assertThat(load.status()).as(load.body()).isEqualTo(200);
    }

    @AfterEach
    void letGenerationsGo() {
        probe.release();
    }

    // ---- (a) chat deadline ----

    @Test
    void chatAnswers504WhenTheEngineReportsTheDeadline() {
        probe.calls.clear();
        Instant sent = Instant.now();

        Reply reply = api.post("/api/v1/chat", TestApi.USER_KEY, "{\"message\":\"ping\"}");

        assertError(reply, 504, "deadline of 2 s");
        assertThat(reply.json().has("reply")).isFalse();
        assertThat(probe.calls).hasSize(1);
        DeadlineProbeEngine.Call call = probe.calls.get(0);
        assertThat(call.messages()).last().isEqualTo(ChatMessage.user("ping"));
        // The engine was handed gateway.chat.deadline (2 s) counted from when the request arrived.
        assertThat(call.deadline()).isAfterOrEqualTo(sent.plusSeconds(2));
        // ...and the gateway answered only once that deadline had passed.
        assertThat(Instant.now()).isAfterOrEqualTo(call.deadline());
    }

    // ---- (b) cleanup while a generation runs ----

    @Test
    void cleanupIsRefusedDuringAGenerationUnlessForced() throws Exception {
        CountDownLatch release = probe.hold();
        ExecutorService chatThread = Executors.newSingleThreadExecutor();
        try {
            CompletableFuture<Reply> chat = CompletableFuture.supplyAsync(
                    () -> api.post("/api/v1/chat", TestApi.USER_KEY, "{\"message\":\"hold on\"}"), chatThread);
            await().atMost(Duration.ofSeconds(15)).until(models::busy);

            assertError(api.post(CLEANUP, TestApi.ADMIN_KEY, "{\"operations\":[\"clean_temp\"]}"), 409, "force");
            assertError(api.post(CLEANUP, TestApi.ADMIN_KEY, "{\"operations\":[\"clean_temp\"],\"force\":false}"),
                    409, "generation is running");

            Path file = write(freshDir("tmp").resolve("during.tmp"), 42);
            Reply forced = api.post(CLEANUP, TestApi.ADMIN_KEY, "{\"operations\":[\"clean_temp\"],\"force\":true}");
            assertThat(forced.status()).as(forced.body()).isEqualTo(200);
            assertThat(forced.json().path("space_freed").asLong()).isEqualTo(42);
            assertThat(file).doesNotExist();
            // Forcing neither waited for nor ended the generation.
            assertThat(models.busy()).isTrue();
            assertThat(chat).isNotDone();

            release.countDown();
            assertThat(chat.get(30, TimeUnit.SECONDS).status()).isEqualTo(504);
        } finally {
            probe.release();
            chatThread.shutdownNow();
        }
        await().atMost(Duration.ofSeconds(15)).until(() -> !models.busy());
        Reply after = api.post(CLEANUP, TestApi.ADMIN_KEY, "{\"operations\":[\"clean_temp\"]}");
        assertThat(after.status()).as(after.body()).isEqualTo(200);
    }

    // ---- (c) clean_models ----

    @Test
    void cleanModelsKeepsOnlyTheLoadedModel() {
        Path loaded = modelsDir().resolve("models--probe-org--probe-model");
        Path otherA = TestData.hubModel(modelsDir(), "other-org", "model-a", "aaa111", "model.safetensors", 300);
        Path otherB = TestData.hubModel(modelsDir(), "other-org", "model-b", "bbb222", "model.gguf", 500);
        Path stray = write(modelsDir().resolve("download.partial"), 700);
        Path locks = write(modelsDir().resolve(".locks/models--other-org--model-a/x.lock"), 3);
        List<Path> doomed = List.of(otherA, otherB, stray, modelsDir().resolve(".locks"));
        long expectedFiles = doomed.stream().mapToLong(MaintenanceApiTest::entries).sum();
        long expectedBytes = doomed.stream().mapToLong(MaintenanceApiTest::regularBytes).sum();

        Reply reply = api.post(CLEANUP, TestApi.ADMIN_KEY, "{\"operations\":[\"clean_models\"]}");

        assertThat(reply.status()).as(reply.body()).isEqualTo(200);
        JsonNode detail = detail(reply, "clean_models");
        assertThat(detail.path("files_removed").asLong()).isEqualTo(expectedFiles);
        assertThat(detail.path("space_freed").asLong()).isEqualTo(expectedBytes);
        assertThat(otherA).doesNotExist();
        assertThat(otherB).doesNotExist();
        assertThat(stray).doesNotExist();
        assertThat(locks).doesNotExist();
        // The loaded model is untouched: its snapshot links still resolve to their blobs.
        Path snapshot = loaded.resolve("snapshots/abc123");
        assertThat(snapshot.resolve("config.json")).isRegularFile();
        assertThat(snapshot.resolve("model.safetensors")).isRegularFile().hasSize(128);
        assertThat(snapshot.resolve(DeadlineProbeEngine.MARKER)).isRegularFile();
        assertThat(loaded.resolve("refs/main")).hasContent("abc123");
        try (Stream<Path> left = Files.list(modelsDir())) {
            assertThat(left).containsExactly(loaded);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        JsonNode listed = api.get("/api/v1/models", TestApi.USER_KEY).json();
        assertThat(listed.path("models")).extracting(m -> m.path("id").asText()).containsExactly(PROBE_ID);
        assertThat(listed.path("loaded_model").asText()).isEqualTo(PROBE_ID);
    }

    // ---- (d) symlinks ----

    @Test
    void cleanupRemovesLinksButNeverWhatTheyPointToOutsideTheDataDir() throws IOException {
        Path outside = TestData.freshDataDir("target/test-data/outside");
        Path precious = Files.writeString(outside.resolve("precious.txt"), "keep me");
        Path inner = write(outside.resolve("dir/inner.bin"), 900);
        Path tmp = freshDir("tmp");
        Path cache = freshDir("cache");
        Path fileLink = Files.createSymbolicLink(tmp.resolve("to-file"), precious);
        Path dirLink = Files.createSymbolicLink(tmp.resolve("to-dir"), outside.resolve("dir"));
        Path nested = Files.createDirectories(cache.resolve("nested"));
        Path relativeLink = Files.createSymbolicLink(nested.resolve("relative"), nested.relativize(precious));
        assertThat(Files.readString(relativeLink)).isEqualTo("keep me");

        Reply reply = api.post(CLEANUP, TestApi.ADMIN_KEY, "{\"operations\":[\"clean_temp\",\"clean_cache\"]}");

        assertThat(reply.status()).as(reply.body()).isEqualTo(200);
        for (Path link : List.of(fileLink, dirLink, relativeLink)) {
            assertThat(Files.exists(link, LinkOption.NOFOLLOW_LINKS)).as(link.toString()).isFalse();
        }
        assertThat(precious).hasContent("keep me");
        assertThat(inner).isRegularFile().hasSize(900);
        // Three links went; the bytes they point to were neither deleted nor counted.
        assertThat(reply.json().path("files_removed").asLong()).isEqualTo(3);
        assertThat(reply.json().path("space_freed").asLong()).isZero();
    }

    /**
     * A folder of the data directory may itself be a link (to another disk): only the gateway's own
     * user can make one, so it is cleaned where it points; links inside it are still not followed.
     */
    @Test
    void aFolderThatIsItselfALinkIsCleanedWhereItPoints() throws IOException {
        Path elsewhere = TestData.freshDataDir("target/test-data/tmp-on-another-disk");
        Path scratch = write(elsewhere.resolve("scratch.bin"), 700);
        Path outside = TestData.freshDataDir("target/test-data/outside-linked-tmp");
        Path precious = Files.writeString(outside.resolve("precious.txt"), "keep me");
        Files.createSymbolicLink(elsewhere.resolve("to-precious"), precious);
        Path tmp = freshDir("tmp");
        Files.delete(tmp);
        Files.createSymbolicLink(tmp, elsewhere);
        try {
            Reply reply = api.post(CLEANUP, TestApi.ADMIN_KEY, "{\"operations\":[\"clean_temp\"]}");

            assertThat(reply.status()).as(reply.body()).isEqualTo(200);
            assertThat(detail(reply, "clean_temp").path("files_removed").asLong()).isEqualTo(2);
            assertThat(detail(reply, "clean_temp").path("space_freed").asLong()).isEqualTo(700);
            assertThat(scratch).doesNotExist();
            assertThat(elsewhere).isEmptyDirectory();
            assertThat(Files.isSymbolicLink(tmp)).isTrue();
            assertThat(precious).hasContent("keep me");
        } finally {
            Files.delete(tmp);
            Files.createDirectories(tmp);
        }
    }

    // ---- (e) clean_temp / clean_cache ----

    @Test
    void cleanTempAndCacheEmptyTheirFoldersAndCountExactly() {
        Path tmp = freshDir("tmp");
        Path cache = freshDir("cache");
        write(tmp.resolve("upload.part"), 1234);
        write(tmp.resolve("sub/deeper/scratch.bin"), 4321);
        write(tmp.resolve("empty.txt"), 0);
        write(cache.resolve("tokenizer.json"), 2048);
        write(cache.resolve("hub/blob"), 10_000);

        Reply reply = api.post(CLEANUP, TestApi.ADMIN_KEY, "{\"operations\":[\"clean_temp\",\"clean_cache\"]}");

        assertThat(reply.status()).as(reply.body()).isEqualTo(200);
        JsonNode body = reply.json();
        assertThat(body.path("status").asText()).isEqualTo("success");
        assertThat(texts(body.path("operations_completed"))).containsExactly("clean_temp", "clean_cache");
        assertThat(detail(reply, "clean_temp").path("files_removed").asLong()).isEqualTo(3);
        assertThat(detail(reply, "clean_temp").path("space_freed").asLong()).isEqualTo(1234 + 4321);
        assertThat(detail(reply, "clean_cache").path("files_removed").asLong()).isEqualTo(2);
        assertThat(detail(reply, "clean_cache").path("space_freed").asLong()).isEqualTo(2048 + 10_000);
        assertThat(body.path("files_removed").asLong()).isEqualTo(5);
        assertThat(body.path("space_freed").asLong()).isEqualTo(1234 + 4321 + 2048 + 10_000);
        // The folders themselves stay, empty.
        assertThat(tmp).isEmptyDirectory();
        assertThat(cache).isEmptyDirectory();
    }

    /**
     * An immutable file (chattr +i: this user is root, for whom permissions stop nothing) is named in the
     * answer; the walk goes on to its sibling folders, which used to stay whole behind a "success".
     */
    @Test
    void aFileThatCannotBeDeletedIsNamedAndEverythingElseIsStillDeleted() throws Exception {
        Path tmp = freshDir("tmp");
        Path held = write(tmp.resolve("aaa/x/held.bin"), 10);
        write(tmp.resolve("aaa/x/f1"), 1);
        write(tmp.resolve("aaa/y/g1"), 2);
        write(tmp.resolve("aaa/y/g2"), 3);
        write(tmp.resolve("zzz/h1"), 4);
        Undeletable.make(held);
        try {
            Reply reply = api.post(CLEANUP, TestApi.ADMIN_KEY, "{\"operations\":[\"clean_temp\"]}");
            assertThat(reply.status()).as(reply.body()).isEqualTo(200);
            assertThat(reply.json().path("status").asText()).isEqualTo("partial");
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(
                    Files.readString(logsDir().resolve("audit.log"))).contains(" cleanup clean_temp partial"));
            // The file, once: not the folders it keeps from being deleted.
            // Named inside the data directory, with the system's reason, and nowhere the absolute path.
            assertThat(texts(reply.json().path("not_removed")))
                    .containsExactly("tmp/aaa/x/held.bin: FileSystemException: Operation not permitted");
            assertThat(detail(reply, "clean_temp").path("not_removed").asLong()).isEqualTo(1);
            assertThat(detail(reply, "clean_temp").path("files_removed").asLong()).isEqualTo(4);
            assertThat(detail(reply, "clean_temp").path("space_freed").asLong()).isEqualTo(1 + 2 + 3 + 4);
            try (Stream<Path> left = Files.walk(tmp)) {
                assertThat(left.map(tmp::relativize).map(Path::toString).filter(name -> !name.isEmpty()))
                        .containsExactlyInAnyOrder("aaa", "aaa/x", "aaa/x/held.bin");
            }
        } finally {
            Undeletable.release(held);
        }
        assertThat(api.post(CLEANUP, TestApi.ADMIN_KEY, "{\"operations\":[\"clean_temp\"]}").json()
                .path("status").asText()).isEqualTo("success");
    }

    /** A stray file named like an archive with an index past a long stopped every purge and clean_logs (500). */
    @Test
    void anArchiveNameWithAHugeIndexIsLeftAloneAndThePurgeGoesOn() {
        noArchives();
        Path stray = archive("info.2026-01-01.99999999999999999999.log.gz", 10, 30);
        archive("info.2026-01-01.99999999999.log.gz", 20, 30);
        archive("info.2026-01-02.0.log.gz", 30, 30);

        Reply purge = api.post(PURGE, TestApi.ADMIN_KEY, "{\"older_than_days\": 1, \"keep_latest_files\": 0}");
        assertThat(purge.status()).as(purge.body()).isEqualTo(200);
        assertThat(texts(purge.json().path("removed_files")))
                .containsExactlyInAnyOrder("info.2026-01-01.99999999999.log.gz", "info.2026-01-02.0.log.gz");
        assertThat(stray).exists();
        assertThat(api.post(CLEANUP, TestApi.ADMIN_KEY, "{\"operations\":[\"clean_logs\"]}").status()).isEqualTo(200);
        assertThat(stray).exists();
    }

    /** Maintenance runs wait for each other: racing over the same files, they answered 500 or warned per file. */
    @Test
    void concurrentPurgesAndCleanupsShareTheWorkWithoutFailing() throws Exception {
        noArchives();
        int count = 1500;
        for (int i = 0; i < count; i++) {
            archive("debug.2026-01-01." + i + ".log.gz", 1, 30);
        }
        String purgeAll = "{\"older_than_days\": 0, \"keep_latest_files\": 0}";
        List<CompletableFuture<Reply>> runs = List.of(
                CompletableFuture.supplyAsync(() -> api.post(PURGE, TestApi.ADMIN_KEY, purgeAll)),
                CompletableFuture.supplyAsync(() -> api.post(PURGE, TestApi.ADMIN_KEY, purgeAll)),
                CompletableFuture.supplyAsync(() -> api.post(CLEANUP, TestApi.ADMIN_KEY, "{\"operations\":[\"clean_logs\"]}")));
        long removed = 0;
        for (CompletableFuture<Reply> run : runs) {
            Reply reply = run.get(120, TimeUnit.SECONDS);
            assertThat(reply.status()).as(reply.body()).isEqualTo(200);
            assertThat(reply.json().path("status").asText()).isEqualTo("success");
            removed += reply.json().path("files_removed").asLong();
        }
        assertThat(removed).isEqualTo(count);
        assertThat(LogFiles.archives(logsDir())).isEmpty();
    }

    @Test
    void cleanCacheRemovesWhatDownloadsLeftButNoFileASnapshotLinksTo() throws IOException {
        freshDir("cache");
        Path cached = write(DATA_DIR.resolve("cache/tokenizer.json"), 50);
        // The loaded model: a part file, a blob nothing links to, a snapshot left half-built.
        Path loaded = modelsDir().resolve("models--probe-org--probe-model");
        Path loadedPart = write(loaded.resolve("blobs/" + "a".repeat(64) + ".incomplete"), 100);
        Path loadedOrphan = write(loaded.resolve("blobs/" + "b".repeat(40)), 200);
        Path halfBuilt = createDirectories(loaded.resolve("snapshots/.def456-0f0f.tmp"));
        Files.createSymbolicLink(halfBuilt.resolve("model.safetensors"), Path.of("../../blobs/" + "b".repeat(40)));
        // A model updated to a new commit: the old commit's weights blob is linked by no snapshot; a failed
        // later download left its record.
        Path updated = TestData.hubModel(modelsDir(), "other-org", "updated", "ccc333", "model.safetensors", 40);
        Path oldWeights = write(updated.resolve("blobs/" + "c".repeat(64)), 300);
        Path failedRecord = write(updated.resolve("maltese-download-request.json"), 2);
        // A download that never completed: part file and verified blobs, no snapshot.
        Path unfinished = modelsDir().resolve("models--other-org--unfinished");
        write(unfinished.resolve("blobs/" + "d".repeat(64) + ".incomplete"), 500);
        write(unfinished.resolve("blobs/" + "e".repeat(40)), 400);
        write(unfinished.resolve("maltese-download-request.json"), 3);
        long expectedFiles = 1 + 3 + 2 + entries(unfinished);
        long expectedBytes = 50 + 100 + 200 + 300 + 2 + regularBytes(unfinished);
        List<Path> linkedBefore = snapshotTargets(loaded, updated);

        Reply reply = api.post(CLEANUP, TestApi.ADMIN_KEY, "{\"operations\":[\"clean_cache\"]}");

        assertThat(reply.status()).as(reply.body()).isEqualTo(200);
        assertThat(detail(reply, "clean_cache").path("files_removed").asLong()).isEqualTo(expectedFiles);
        assertThat(detail(reply, "clean_cache").path("space_freed").asLong()).isEqualTo(expectedBytes);
        for (Path gone : List.of(cached, loadedPart, loadedOrphan, halfBuilt, oldWeights, failedRecord, unfinished)) {
            assertThat(gone).doesNotExist();
        }
        // Every file a snapshot links to is still there, and both models still list as usable.
        assertThat(snapshotTargets(loaded, updated)).isEqualTo(linkedBefore).allMatch(Files::isRegularFile);
        assertThat(loaded.resolve("snapshots/abc123/model.safetensors")).isRegularFile().hasSize(128);
        JsonNode listed = api.get("/api/v1/models", TestApi.USER_KEY).json();
        assertThat(listed.path("loaded_model").asText()).isEqualTo("probe-org/probe-model");
        assertThat(listed.path("models").findValuesAsText("id")).contains("other-org/updated")
                .doesNotContain("other-org/unfinished");
    }

    /** The files the complete snapshots of {@code folders} link to (hidden, half-built ones aside), sorted. */
    private static List<Path> snapshotTargets(Path... folders) throws IOException {
        List<Path> targets = new java.util.ArrayList<>();
        for (Path folder : folders) {
            Path snapshots = folder.resolve("snapshots");
            try (Stream<Path> walk = Files.walk(snapshots)) {
                for (Path link : walk.filter(Files::isSymbolicLink)
                        .filter(link -> !snapshots.relativize(link).getName(0).toString().startsWith(".")).toList()) {
                    targets.add(link.toRealPath());
                }
            }
        }
        return targets.stream().sorted().toList();
    }

    // ---- (f) clean_logs ----

    @Test
    void cleanLogsRemovesArchivesButNotTheActiveFiles() {
        noArchives();
        Map<String, Integer> archives = Map.of(
                "error.2024-01-01.0.log.gz", 111,
                "warn.2024-01-02.0.log.gz", 222,
                "info.2024-01-03.0.log.gz", 333,
                "info.2024-01-03.1.log", 444,
                "access.2024-01-04.0.log.gz", 555,
                "audit.2024-01-05.0.log.gz", 666);
        archives.forEach((name, size) -> write(logsDir().resolve(name), size));
        Path notALog = write(logsDir().resolve("notes.txt"), 10);

        Reply reply = api.post(CLEANUP, TestApi.ADMIN_KEY, "{\"operations\":[\"clean_logs\"]}");

        assertThat(reply.status()).as(reply.body()).isEqualTo(200);
        assertThat(detail(reply, "clean_logs").path("files_removed").asLong()).isEqualTo(archives.size());
        assertThat(detail(reply, "clean_logs").path("space_freed").asLong())
                .isEqualTo(archives.values().stream().mapToLong(Integer::longValue).sum());
        archives.keySet().forEach(name -> assertThat(logsDir().resolve(name)).doesNotExist());
        ACTIVE_LOGS.forEach(name -> assertThat(logsDir().resolve(name)).isRegularFile());
        assertThat(notALog).exists();
    }

    // ---- (g) full_cleanup ----

    @Test
    void fullCleanupRunsEveryOperation() {
        noArchives();
        Path archive = write(logsDir().resolve("debug.2024-02-01.0.log.gz"), 10);
        Path cached = write(freshDir("cache").resolve("c"), 20);
        Path model = TestData.hubModel(modelsDir(), "other-org", "full", "fff000", "model.onnx", 30);
        Path temp = write(freshDir("tmp").resolve("t"), 40);

        Reply reply = api.post(CLEANUP, TestApi.ADMIN_KEY, "{\"operations\":[\"full_cleanup\"]}");

        assertThat(reply.status()).as(reply.body()).isEqualTo(200);
        JsonNode body = reply.json();
        List<String> all = List.of("clean_logs", "clean_cache", "clean_models", "clean_temp");
        assertThat(texts(body.path("operations_completed"))).containsExactlyElementsOf(all);
        assertThat(body.path("details")).extracting(d -> d.path("operation").asText()).containsExactlyElementsOf(all);
        long detailBytes = 0;
        for (JsonNode d : body.path("details")) {
            detailBytes += d.path("space_freed").asLong();
        }
        assertThat(body.path("space_freed").asLong()).isEqualTo(detailBytes);
        assertThat(List.of(archive, cached, model, temp)).allSatisfy(p -> assertThat(p).doesNotExist());
        assertThat(modelsDir().resolve("models--probe-org--probe-model")).isDirectory();
        ACTIVE_LOGS.forEach(name -> assertThat(logsDir().resolve(name)).isRegularFile());
    }

    // ---- (h) cleanup validation ----

    @Test
    void cleanupValidatesItsRequestBeforeDeletingAnything() {
        Path temp = write(freshDir("tmp").resolve("survivor"), 5);

        assertFieldError(api.post(CLEANUP, TestApi.ADMIN_KEY, "{}"), "operations");
        assertFieldError(api.post(CLEANUP, TestApi.ADMIN_KEY, "{\"force\":true}"), "operations");
        assertFieldError(api.post(CLEANUP, TestApi.ADMIN_KEY, "{\"operations\":[]}"), "operations");
        assertFieldError(api.post(CLEANUP, TestApi.ADMIN_KEY,
                "{\"operations\":[\"clean_temp\",\"clean_everything\"]}"), "operations[1]");
        assertFieldError(api.post(CLEANUP, TestApi.ADMIN_KEY,
                "{\"operations\":[\"clean_temp\"],\"force\":\"yes\"}"), "force");

        assertThat(temp).exists();
    }

    // ---- (i) purge-logs ----

    @Test
    void purgeDeletesArchivesOlderThanTheCutoffBeyondTheNewestKept() {
        noArchives();
        // info: names and ages agree, newest first: 3, 20, 30, 40, 50 days.
        Path info5 = archive("info.2024-01-05.0.log.gz", 105, 3);
        Path info4 = archive("info.2024-01-04.0.log.gz", 104, 20);
        Path info3 = archive("info.2024-01-03.0.log.gz", 103, 30);
        Path info2 = archive("info.2024-01-02.0.log.gz", 102, 40);
        Path info1 = archive("info.2024-01-01.0.log.gz", 101, 50);
        // error: both old; the newer one (by name) is the one kept.
        Path errorNew = archive("error.2024-02-02.3.log.gz", 202, 90);
        Path errorOld = archive("error.2024-02-02.1.log.gz", 201, 100);
        List<Path> expectedGone = List.of(info3, info2, info1, errorOld);

        Reply reply = api.post(PURGE, TestApi.ADMIN_KEY, "{\"older_than_days\":25,\"keep_latest_files\":1}");

        assertThat(reply.status()).as(reply.body()).isEqualTo(200);
        JsonNode body = reply.json();
        assertThat(texts(body.path("removed_files")))
                .containsExactlyInAnyOrderElementsOf(expectedGone.stream().map(p -> p.getFileName().toString()).toList());
        assertThat(body.path("files_removed").asLong()).isEqualTo(4);
        assertThat(body.path("space_freed").asLong()).isEqualTo(103 + 102 + 101 + 201);
        assertThat(body.path("older_than_days").asInt()).isEqualTo(25);
        assertThat(body.path("keep_latest_files").asInt()).isEqualTo(1);
        expectedGone.forEach(p -> assertThat(p).doesNotExist());
        // info5 is the newest kept; info4 is too young; errorNew is error's newest.
        List.of(info5, info4, errorNew).forEach(p -> assertThat(p).exists());
        ACTIVE_LOGS.forEach(name -> assertThat(logsDir().resolve(name)).isRegularFile());
    }

    @Test
    void purgeTouchesOnlyTheStreamsOfTheGivenLevels() {
        noArchives();
        Path error = archive("error.2024-03-01.0.log.gz", 11, 100);
        Path warn = archive("warn.2024-03-01.0.log.gz", 22, 100);
        Path info = archive("info.2024-03-01.0.log.gz", 33, 100);
        Path debug = archive("debug.2024-03-01.0.log.gz", 44, 100);

        Reply onlyError = api.post(PURGE, TestApi.ADMIN_KEY,
                "{\"older_than_days\":0,\"keep_latest_files\":0,\"log_levels\":[\"error\"]}");
        assertThat(onlyError.status()).as(onlyError.body()).isEqualTo(200);
        assertThat(texts(onlyError.json().path("removed_files"))).containsExactly("error.2024-03-01.0.log.gz");
        assertThat(texts(onlyError.json().path("log_levels"))).containsExactly("error");
        assertThat(onlyError.json().path("space_freed").asLong()).isEqualTo(11);
        assertThat(error).doesNotExist();
        assertThat(List.of(warn, info, debug)).allSatisfy(p -> assertThat(p).exists());

        // "warning" is the level's name; its stream (and files) are called warn.
        Reply warning = api.post(PURGE, TestApi.ADMIN_KEY,
                "{\"older_than_days\":0,\"keep_latest_files\":0,\"log_levels\":[\"warning\"]}");
        assertThat(warning.status()).as(warning.body()).isEqualTo(200);
        assertThat(texts(warning.json().path("removed_files"))).containsExactly("warn.2024-03-01.0.log.gz");
        assertThat(texts(warning.json().path("log_levels"))).containsExactly("warning");
        assertThat(warning.json().path("files_removed").asLong()).isEqualTo(1);
        assertThat(warning.json().path("space_freed").asLong()).isEqualTo(22);
        assertThat(warn).doesNotExist();
        assertThat(List.of(info, debug)).allSatisfy(p -> assertThat(p).exists());
    }

    @Test
    void purgeNeverDeletesActiveFilesEvenWithNoAgeAndNothingKept() throws IOException {
        noArchives();
        Path archive = archive("audit.2024-04-01.0.log.gz", 77, 400);
        // Make the active files look ancient too: only their name protects them.
        for (String name : ACTIVE_LOGS) {
            Files.setLastModifiedTime(logsDir().resolve(name), FileTime.from(Instant.now().minus(400, ChronoUnit.DAYS)));
        }

        Reply reply = api.post(PURGE, TestApi.ADMIN_KEY, "{\"older_than_days\":0,\"keep_latest_files\":0}");

        assertThat(reply.status()).as(reply.body()).isEqualTo(200);
        assertThat(texts(reply.json().path("removed_files"))).containsExactly("audit.2024-04-01.0.log.gz");
        assertThat(reply.json().path("space_freed").asLong()).isEqualTo(77);
        assertThat(archive).doesNotExist();
        ACTIVE_LOGS.forEach(name -> assertThat(logsDir().resolve(name)).isRegularFile());
    }

    @Test
    void purgeWithAnEmptyBodyUsesTheConfiguredDefaults() {
        noArchives();
        // debug, newest first: ranks 1-7 (kept by count whatever their age), then 10, 20, 30 days old.
        List<Path> debug = new ArrayList<>();
        int[] ages = {1, 2, 3, 4, 5, 6, 7, 10, 20, 30};
        for (int rank = 0; rank < ages.length; rank++) {
            debug.add(archive("debug.2024-05-%02d.0.log.gz".formatted(ages.length - rank), 1000 + rank, ages[rank]));
        }

        Reply reply = api.post(PURGE, TestApi.ADMIN_KEY, null);

        assertThat(reply.status()).as(reply.body()).isEqualTo(200);
        JsonNode body = reply.json();
        assertThat(body.path("older_than_days").asInt()).isEqualTo(14);
        assertThat(body.path("keep_latest_files").asInt()).isEqualTo(7);
        assertThat(texts(body.path("log_levels"))).containsExactlyInAnyOrder("error", "warning", "info", "debug", "access", "audit");
        // Rank 8 is beyond the 7 kept but only 10 days old; ranks 9 and 10 are older than 14 days.
        assertThat(texts(body.path("removed_files")))
                .containsExactlyInAnyOrder("debug.2024-05-02.0.log.gz", "debug.2024-05-01.0.log.gz");
        assertThat(body.path("space_freed").asLong()).isEqualTo(1008 + 1009);
        assertThat(debug.subList(0, 8)).allSatisfy(p -> assertThat(p).exists());
        assertThat(debug.subList(8, 10)).allSatisfy(p -> assertThat(p).doesNotExist());

        // "{}" means the same as no body.
        Reply empty = api.post(PURGE, TestApi.ADMIN_KEY, "{}");
        assertThat(empty.status()).as(empty.body()).isEqualTo(200);
        assertThat(empty.json().path("older_than_days").asInt()).isEqualTo(14);
        assertThat(empty.json().path("keep_latest_files").asInt()).isEqualTo(7);
        assertThat(empty.json().path("files_removed").asLong()).isZero();
    }

    @Test
    void purgeValidatesItsRequestBeforeDeletingAnything() {
        noArchives();
        Path archive = archive("error.2024-06-01.0.log.gz", 5, 400);

        assertFieldError(api.post(PURGE, TestApi.ADMIN_KEY, "{\"older_than_days\":-1}"), "older_than_days");
        assertFieldError(api.post(PURGE, TestApi.ADMIN_KEY, "{\"keep_latest_files\":-1}"), "keep_latest_files");
        assertFieldError(api.post(PURGE, TestApi.ADMIN_KEY,
                "{\"older_than_days\":0,\"keep_latest_files\":0,\"log_levels\":[\"error\",\"fatal\"]}"), "log_levels[1]");
        assertFieldError(api.post(PURGE, TestApi.ADMIN_KEY, "{\"log_levels\":[]}"), "log_levels");

        assertThat(archive).exists();
    }

    // ---- (j) system status ----

    @Test
    void systemStatusReportsDiskMemoryModelAndTheLastMaintenance() throws Exception {
        write(freshDir("tmp").resolve("ten"), 10);
        Instant before = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        assertThat(api.post(CLEANUP, TestApi.ADMIN_KEY, "{\"operations\":[\"clean_temp\"]}").status()).isEqualTo(200);

        JsonNode status = api.get(STATUS, TestApi.ADMIN_KEY).json();

        assertThat(status.path("status").asText()).isIn("healthy", "warning", "critical");
        assertThat(status.path("warnings").isArray()).isTrue();
        JsonNode disk = status.path("disk");
        long total = disk.path("total_bytes").asLong();
        long used = disk.path("used_bytes").asLong();
        long free = disk.path("free_bytes").asLong();
        assertThat(total).isPositive();
        assertThat(free).isBetween(0L, total);
        // As df counts (the filesystem's reserved blocks are neither used nor free): df's own figures,
        // within what other processes write meanwhile.
        long[] df = df(DATA_DIR);
        assertThat(used).isCloseTo(df[0], within(256L << 20));
        assertThat(free).isCloseTo(df[1], within(256L << 20));
        assertThat(used + free).isLessThanOrEqualTo(total);
        assertThat(disk.path("used_percent").asDouble()).isBetween(0.0, 100.0)
                .isCloseTo(100.0 * used / (used + free), within(0.051));
        assertThat(disk.path("path").asText()).isEqualTo(DATA_DIR.toString());
        assertThat(disk.path("data_dir_bytes").asLong()).isPositive();

        JsonNode jvm = status.path("memory").path("jvm");
        assertThat(List.of("heap_used_bytes", "heap_committed_bytes", "heap_max_bytes", "non_heap_used_bytes"))
                .allSatisfy(field -> assertThat(jvm.path(field).asLong()).as(field).isPositive());
        assertThat(jvm.path("heap_used_percent").asDouble()).isGreaterThan(0.0).isLessThanOrEqualTo(100.0);
        JsonNode host = status.path("memory").path("system");
        assertThat(host.path("total_bytes").asLong()).isPositive();
        assertThat(host.path("available_bytes").asLong()).isPositive().isLessThanOrEqualTo(host.path("total_bytes").asLong());
        assertThat(host.path("used_percent").asDouble()).isBetween(0.0, 100.0);
        // The tests run the gateway in this JVM: the kernel's figures for it bound the reported ones.
        JsonNode process = status.path("memory").path("process");
        long resident = process.path("resident_bytes").asLong();
        assertThat(resident).isPositive().isLessThanOrEqualTo(process.path("peak_resident_bytes").asLong())
                .isGreaterThan(jvm.path("heap_used_bytes").asLong() / 2)
                .isLessThanOrEqualTo(host.path("total_bytes").asLong());

        JsonNode model = status.path("model");
        assertThat(model.path("loaded").asBoolean()).isTrue();
        assertThat(model.path("model_id").asText()).isEqualTo(PROBE_ID);
        assertThat(model.path("engine").asText()).isEqualTo("deadline-probe");
        assertThat(model.path("memory_bytes").asLong()).isEqualTo(DeadlineProbeEngine.MODEL_BYTES);
        assertThat(Instant.parse(model.path("loaded_at").asText())).isBefore(Instant.now());

        JsonNode last = status.path("last_cleanup");
        assertThat(last.path("kind").asText()).isEqualTo("cleanup");
        assertThat(texts(last.path("operations"))).containsExactly("clean_temp");
        assertThat(last.path("files_removed").asLong()).isEqualTo(1);
        assertThat(last.path("space_freed").asLong()).isEqualTo(10);
        assertThat(last.path("triggered_by").asText()).isEqualTo(fingerprint(TestApi.ADMIN_KEY));
        assertCompletedSince(last, before);

        // A log purge is maintenance too, and becomes the latest.
        noArchives();
        archive("access.2024-07-01.0.log.gz", 64, 100);
        Instant beforePurge = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        assertThat(api.post(PURGE, TestApi.ADMIN_KEY, "{\"older_than_days\":1,\"keep_latest_files\":0}").status())
                .isEqualTo(200);
        JsonNode afterPurge = api.get(STATUS, TestApi.ADMIN_KEY).json().path("last_cleanup");
        assertThat(afterPurge.path("kind").asText()).isEqualTo("purge-logs");
        assertThat(texts(afterPurge.path("operations"))).containsExactly("purge_logs");
        assertThat(afterPurge.path("files_removed").asLong()).isEqualTo(1);
        assertThat(afterPurge.path("space_freed").asLong()).isEqualTo(64);
        assertCompletedSince(afterPurge, beforePurge);
    }

    // ---- (k) audit trail ----

    @Test
    void auditLogNamesTheCallerByFingerprintNeverByKey() {
        assertThat(api.post(PROBE_PATH + "/load", TestApi.USER_KEY, null).status()).isEqualTo(200);
        assertThat(api.post(CLEANUP, TestApi.ADMIN_KEY, "{\"operations\":[\"clean_cache\"]}").status()).isEqualTo(200);
        assertThat(api.post(CLEANUP, TestApi.ADMIN_KEY, "{\"operations\":[\"nope\"]}").status()).isEqualTo(400);
        // Refused before any route runs: a user key and an unknown key trying an admin operation.
        assertThat(api.post(CLEANUP, TestApi.USER_KEY, "{\"operations\":[\"clean_cache\"]}").status()).isEqualTo(403);
        assertThat(api.get("/api/v1/admin/system-status", "guessed-key").status()).isEqualTo(401);

        Path audit = logsDir().resolve("audit.log");
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(Files.readString(audit))
                .contains(fingerprint(TestApi.USER_KEY) + " loadModel " + PROBE_ID + " ok")
                .contains(fingerprint(TestApi.ADMIN_KEY) + " cleanup clean_cache ok")
                .contains(fingerprint(TestApi.ADMIN_KEY) + " cleanup - failed 400")
                .contains(fingerprint(TestApi.USER_KEY) + " POST /api/v1/admin/cleanup refused 403")
                .contains("unknown-key GET /api/v1/admin/system-status refused 401"));
        assertThat(contentOf(audit)).doesNotContain(TestApi.USER_KEY).doesNotContain(TestApi.ADMIN_KEY)
                .doesNotContain("guessed-key");
    }

    // ---- helpers ----

    private static Path modelsDir() {
        return createDirectories(DATA_DIR.resolve("models"));
    }

    /** Used and available bytes of the filesystem holding {@code dir}, as GNU df reports them. */
    private static long[] df(Path dir) throws IOException, InterruptedException {
        Process df = new ProcessBuilder("df", "-B1", "--output=used,avail", dir.toString()).start();
        List<String> lines = new String(df.getInputStream().readAllBytes()).lines().toList();
        assertThat(df.waitFor(30, TimeUnit.SECONDS) && df.exitValue() == 0).as("df ran").isTrue();
        String[] figures = lines.get(1).trim().split("\\s+");
        return new long[] {Long.parseLong(figures[0]), Long.parseLong(figures[1])};
    }

    private static Path logsDir() {
        return DATA_DIR.resolve("logs");
    }

    /** The data dir's {@code name} folder, emptied. */
    private static Path freshDir(String name) {
        Path dir = DATA_DIR.resolve(name);
        if (Files.exists(dir)) {
            try (Stream<Path> walk = Files.walk(dir)) {
                walk.sorted((a, b) -> b.getNameCount() - a.getNameCount()).filter(p -> !p.equals(dir)).forEach(p -> {
                    try {
                        Files.delete(p);
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                });
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return createDirectories(dir);
    }

    /** Removes rolled archives left by earlier tests, so each purge test sees only its own. */
    private static void noArchives() {
        LogFiles.archives(logsDir()).forEach(a -> {
            try {
                Files.delete(a.path());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    /** A rolled log file of {@code size} bytes, last written {@code daysAgo} days ago. */
    private static Path archive(String name, int size, int daysAgo) {
        Path file = write(logsDir().resolve(name), size);
        try {
            Files.setLastModifiedTime(file, FileTime.from(Instant.now().minus(daysAgo, ChronoUnit.DAYS)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return file;
    }

    private static Path write(Path file, int size) {
        try {
            createDirectories(file.getParent());
            return Files.write(file, new byte[size]);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Path createDirectories(Path dir) {
        try {
            return Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Entries (files and links, not directories) under {@code root}, links not followed. */
    private static long entries(Path root) {
        return walk(root)[0];
    }

    /** Bytes of the regular files under {@code root}, links not followed. */
    private static long regularBytes(Path root) {
        return walk(root)[1];
    }

    private static long[] walk(Path root) {
        long[] counts = new long[2];
        try {
            Files.walkFileTree(root, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
                    counts[0]++;
                    counts[1] += attrs.isRegularFile() ? attrs.size() : 0;
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return counts;
    }

    private static String contentOf(Path file) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The key's name in logs and records: SHA-256, first 6 bytes in hex (see ApiKeys). */
    private static String fingerprint(String key) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
            return "key:" + HexFormat.of().formatHex(digest, 0, 6);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static JsonNode detail(Reply reply, String operation) {
        for (JsonNode d : reply.json().path("details")) {
            if (operation.equals(d.path("operation").asText())) {
                return d;
            }
        }
        throw new AssertionError("no detail for " + operation + " in " + reply.body());
    }

    private static List<String> texts(JsonNode array) {
        assertThat(array.isArray()).as("array expected: " + array).isTrue();
        List<String> values = new ArrayList<>();
        array.forEach(v -> values.add(v.asText()));
        return values;
    }

    private static void assertCompletedSince(JsonNode run, Instant since) {
        String completedAt = run.path("completed_at").asText();
        assertThat(completedAt).endsWith("Z");
        assertThat(Instant.parse(completedAt)).isBetween(since, Instant.now());
    }

    private static void assertError(Reply reply, int status, String messagePart) {
        assertThat(reply.status()).as(reply.body()).isEqualTo(status);
        assertThat(reply.header("Content-Type")).startsWith("application/json");
        assertThat(reply.json().path("status").asText()).isEqualTo("error");
        assertThat(reply.json().path("message").asText()).contains(messagePart);
    }

    /** A 400 whose details name exactly {@code field}. */
    private static void assertFieldError(Reply reply, String field) {
        assertError(reply, 400, field);
        assertThat(reply.json().path("details")).extracting(d -> d.path("field").asText()).containsExactly(field);
    }
}
