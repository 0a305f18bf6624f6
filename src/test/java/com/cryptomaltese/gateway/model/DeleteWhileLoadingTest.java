package com.cryptomaltese.gateway.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import com.cryptomaltese.gateway.GatewayProperties;
import com.cryptomaltese.gateway.TestData;
import com.cryptomaltese.gateway.api.ApiException;
import com.cryptomaltese.gateway.engine.djl.HeldDjlEngine;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A deletion and a load of the same model exclude each other: the real fixture model is loaded by the
 * real engine, and latches hold each side half-way so the other arrives while it runs.
 */
class DeleteWhileLoadingTest {

    static final Path LLAMA = Path.of("src/test/resources/fixtures/models/llama").toAbsolutePath();
    static final ModelId ID = ModelId.parse("race/llama", "model_id");

    Path data;
    Path folder;
    HeldDjlEngine engine;
    ModelService service;
    ExecutorService threads;

    @BeforeEach
    void setUp() {
        data = TestData.freshDataDir("target/test-data/delete-while-loading");
        folder = TestData.linkHubModel(data, LLAMA, "race", "llama");
        engine = new HeldDjlEngine();
        service = new ModelService(new ModelRegistry(new GatewayProperties(data, null, null, null, null, null, null)),
                List.of(engine), "");
        threads = Executors.newFixedThreadPool(2);
    }

    @AfterEach
    void tearDown() {
        service.shutdown();
        threads.shutdownNow();
    }

    /** What DELETE does with a model on disk: its folder goes (links removed, never their targets). */
    String deleteFolder() {
        try (Stream<Path> walk = Files.walk(folder)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return "deleted";
    }

    @Test
    void aDeleteArrivingDuringALoadIs409AndLeavesTheFiles() throws Exception {
        engine.loadEntered = new CountDownLatch(1);
        engine.loadProceed = new CountDownLatch(1);
        Future<ModelService.Loaded> load = threads.submit(() -> service.load(ID));
        assertThat(engine.loadEntered.await(30, TimeUnit.SECONDS)).isTrue();

        assertThatThrownBy(() -> service.whileUnused(ID, this::deleteFolder))
                .isInstanceOfSatisfying(ApiException.class, e -> {
                    assertThat(e.status()).isEqualTo(409);
                    assertThat(e.getMessage()).isEqualTo("model race/llama is being loaded; it cannot be deleted now "
                            + "(unload it once the load is done)");
                });
        assertThat(folder.resolve("snapshots/0123abcd/model.safetensors")).exists();

        engine.loadProceed.countDown();
        assertThat(load.get(60, TimeUnit.SECONDS).id()).isEqualTo(ID);
        assertThatThrownBy(() -> service.whileUnused(ID, this::deleteFolder))
                .hasMessage("model race/llama is loaded; unload it before deleting it");
        service.unload(ID);
        assertThat(service.whileUnused(ID, this::deleteFolder)).isEqualTo("deleted");
        assertThat(folder).doesNotExist();
        assertThat(LLAMA.resolve("model.safetensors")).exists();
    }

    @Test
    void aLoadArrivingDuringADeleteIs409AndNeverReachesTheEngine() throws Exception {
        CountDownLatch deleting = new CountDownLatch(1);
        CountDownLatch proceed = new CountDownLatch(1);
        Future<String> delete = threads.submit(() -> service.whileUnused(ID, () -> {
            deleting.countDown();
            try {
                proceed.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return deleteFolder();
        }));
        assertThat(deleting.await(30, TimeUnit.SECONDS)).isTrue();

        assertThatThrownBy(() -> service.load(ID)).isInstanceOfSatisfying(ApiException.class, e -> {
            assertThat(e.status()).isEqualTo(409);
            assertThat(e.getMessage()).isEqualTo("model race/llama is being deleted; it cannot be loaded");
        });
        assertThat(engine.loads.get()).isZero();
        assertThat(service.current()).isEmpty();

        proceed.countDown();
        assertThat(delete.get(30, TimeUnit.SECONDS)).isEqualTo("deleted");
        assertThatThrownBy(() -> service.load(ID)).isInstanceOfSatisfying(ApiException.class,
                e -> assertThat(e.status()).isEqualTo(404));
    }

    @Test
    void aLoadAndADeleteStartedTogetherNeverBothWin() throws Exception {
        int loadsWon = 0;
        int deletesWon = 0;
        for (int round = 0; round < 12; round++) {
            if (!Files.exists(folder)) {
                folder = TestData.linkHubModel(data, LLAMA, "race", "llama");
            }
            CountDownLatch start = new CountDownLatch(1);
            Future<Object> load = threads.submit(() -> {
                start.await();
                return service.load(ID);
            });
            Future<Object> delete = threads.submit(() -> {
                start.await();
                return service.whileUnused(ID, this::deleteFolder);
            });
            start.countDown();
            boolean loaded = succeeded(load);
            boolean deleted = succeeded(delete);
            assertThat(loaded ^ deleted).as("round %d: loaded %s, deleted %s", round, loaded, deleted).isTrue();
            if (loaded) {
                loadsWon++;
                // The model in memory still has every file it was loaded from.
                assertThat(folder.resolve("snapshots/0123abcd/model.safetensors")).exists();
                service.unload(ID);
            } else {
                deletesWon++;
                assertThat(folder).doesNotExist();
                assertThat(service.current()).isEmpty();
            }
        }
        assertThat(loadsWon + deletesWon).isEqualTo(12);
    }

    /** True for a result; false for a refusal (409, or 404 once the files are gone); anything else fails the test. */
    private static boolean succeeded(Future<Object> side) throws Exception {
        try {
            side.get(60, TimeUnit.SECONDS);
            return true;
        } catch (java.util.concurrent.ExecutionException e) {
            if (e.getCause() instanceof ApiException api && (api.status() == 409 || api.status() == 404)) {
                return false;
            }
            throw e;
        }
    }
}
