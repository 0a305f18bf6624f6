package com.cryptomaltese.gateway.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import com.cryptomaltese.gateway.GatewayProperties;
import com.cryptomaltese.gateway.TestData;
import com.cryptomaltese.gateway.engine.djl.HeldDjlEngine;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

/**
 * A process that ends inside an engine's load (native code aborting on a model's files) leaves the
 * load marker behind; the next start shows that model as failed and does not load it by itself.
 */
@ExtendWith(OutputCaptureExtension.class)
class LoadMarkerTest {

    static final ModelId ID = ModelId.parse("crash/llama", "model_id");

    @Test
    void theMarkerExistsOnlyWhileTheEngineLoads() throws Exception {
        Path data = TestData.freshDataDir("target/test-data/load-marker-during");
        TestData.linkHubModel(data, DeleteWhileLoadingTest.LLAMA, "crash", "llama");
        HeldDjlEngine engine = new HeldDjlEngine();
        ModelService service = service(data, engine, "");
        Path marker = data.resolve(ModelService.LOAD_MARKER);
        ExecutorService thread = Executors.newSingleThreadExecutor();
        try {
            engine.loadEntered = new CountDownLatch(1);
            engine.loadProceed = new CountDownLatch(1);
            Future<ModelService.Loaded> load = thread.submit(() -> service.load(ID));
            assertThat(engine.loadEntered.await(30, TimeUnit.SECONDS)).isTrue();
            assertThat(Files.readAllLines(marker)).first().asString().startsWith("crash/llama\t");
            engine.loadProceed.countDown();
            load.get(60, TimeUnit.SECONDS);
            assertThat(marker).doesNotExist();
        } finally {
            engine.loadProceed.countDown();
            service.shutdown();
            thread.shutdownNow();
        }
    }

    @Test
    void aModelWhoseLoadTheProcessDidNotSurviveIsAnErrorAndNotLoadedByItself(CapturedOutput output) throws Exception {
        Path data = TestData.freshDataDir("target/test-data/load-marker-left");
        Path folder = TestData.linkHubModel(data, DeleteWhileLoadingTest.LLAMA, "crash", "llama");
        // What the process that died had written before handing the files to the engine.
        Path snapshot = folder.resolve("snapshots/0123abcd");
        new LoadMarker(data.resolve(ModelService.LOAD_MARKER)).set(ID, Files.getLastModifiedTime(snapshot).toMillis());

        for (int start = 1; start <= 2; start++) {
            // Not only the start right after the crash: every start, until the model loads or changes.
            HeldDjlEngine engine = new HeldDjlEngine();
            ModelService service = service(data, engine, ID.toString());
            try {
                assertThat(service.statusOf(ID)).as("start " + start).isEqualTo("error");
                assertThat(service.errorOf(ID)).get().asString().startsWith("the gateway stopped while loading it (")
                        .contains("most likely because the engine crashed on its files");
                assertThat(data.resolve(ModelService.LOAD_MARKER)).doesNotExist();
                service.loadDefaultModel();
                assertThat(engine.loads).hasValue(0);
            } finally {
                service.shutdown();
            }
        }
        assertThat(output.getAll()).contains("Not loading GATEWAY_DEFAULT_MODEL crash/llama: the gateway stopped");

        // By hand it may be tried again; once it loads, the record is gone for good.
        ModelService service = service(data, new HeldDjlEngine(), "");
        try {
            service.load(ID);
            assertThat(service.statusOf(ID)).isEqualTo("loaded");
        } finally {
            service.shutdown();
        }
        ModelService next = service(data, new HeldDjlEngine(), "");
        assertThat(next.statusOf(ID)).isEqualTo("available");
    }

    @Test
    void aCrashRecordEndsWhenTheModelsFilesChange() throws Exception {
        Path data = TestData.freshDataDir("target/test-data/load-marker-changed");
        Path folder = TestData.linkHubModel(data, DeleteWhileLoadingTest.LLAMA, "crash", "llama");
        Path snapshot = folder.resolve("snapshots/0123abcd");
        new LoadMarker(data.resolve(ModelService.LOAD_MARKER)).set(ID, Files.getLastModifiedTime(snapshot).toMillis());
        assertThat(service(data, new HeldDjlEngine(), "").statusOf(ID)).isEqualTo("error");

        // Downloaded again (a file added to the snapshot): the files that crashed the engine may be gone.
        Files.setLastModifiedTime(snapshot, java.nio.file.attribute.FileTime.fromMillis(
                Files.getLastModifiedTime(snapshot).toMillis() + 5000));
        assertThat(service(data, new HeldDjlEngine(), "").statusOf(ID)).isEqualTo("available");
        assertThat(new LoadMarker(data.resolve(ModelService.LOAD_MARKER)).crashes()).isEmpty();
    }

    /** A stop during a load is not taken for a crash: only a process that ends without its shutdown hooks leaves the marker. */
    @Test
    void aStopDuringALoadRemovesTheMarkerAndAnAbortLeavesIt() throws Exception {
        Path data = TestData.freshDataDir("target/test-data/load-marker-exit");
        Path stopped = data.resolve("stopped.txt");
        Path aborted = data.resolve("aborted.txt");
        assertThat(run(stopped, "exit")).isZero();
        assertThat(run(aborted, "halt")).isEqualTo(134);
        assertThat(stopped).doesNotExist();
        assertThat(new LoadMarker(aborted).crashes()).singleElement().extracting(LoadMarker.Left::id).isEqualTo(ID);
    }

    private static int run(Path marker, String how) throws Exception {
        Process process = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), LoadMarkerExit.class.getName(), marker.toString(), how)
                .inheritIO().start();
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        return process.exitValue();
    }

    private static ModelService service(Path data, HeldDjlEngine engine, String defaultModel) {
        return new ModelService(new ModelRegistry(new GatewayProperties(data, null, null, null, null, null, null)),
                List.of(engine), defaultModel);
    }
}
