package com.cryptomaltese.gateway.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import com.cryptomaltese.gateway.GatewayProperties;
import com.cryptomaltese.gateway.TestData;
import com.cryptomaltese.gateway.api.ApiException;
import com.cryptomaltese.gateway.engine.djl.HeldDjlEngine;
import org.junit.jupiter.api.Test;

/**
 * GATEWAY_DEFAULT_MODEL loads on a thread of its own once the gateway is ready. From that moment
 * (before the load has even checked the files) a chat hears that the model is loading, with
 * Retry-After, never "no model is loaded: load one".
 */
class DefaultModelStartTest {

    static final Path LLAMA = Path.of("src/test/resources/fixtures/models/llama").toAbsolutePath();

    @Test
    void chatsDuringTheDefaultModelsWholeLoadAreToldItIsLoading() throws Exception {
        Path data = TestData.freshDataDir("target/test-data/default-model-start");
        TestData.linkHubModel(data, LLAMA, "start", "llama");
        HeldDjlEngine engine = new HeldDjlEngine();
        engine.checkEntered = new CountDownLatch(1);
        engine.checkProceed = new CountDownLatch(1);
        ModelService service = new ModelService(new ModelRegistry(new GatewayProperties(data, null, null, null, null,
                null, null)), List.of(engine), "start/llama");
        try {
            service.loadDefaultModel();
            assertLoading(service); // the loader thread may not have run yet
            assertThat(engine.checkEntered.await(30, TimeUnit.SECONDS)).isTrue();
            assertLoading(service); // the files are being checked, nothing is unloaded or loading yet

            engine.checkProceed.countDown();
            // Until the load has ended (its model in place is not yet its end), chats hear "loading".
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            String answeredBy = null;
            while (answeredBy == null) {
                try {
                    answeredBy = service.withModel(loaded -> loaded.id().toString());
                } catch (ApiException e) {
                    assertThat(e.getMessage()).isEqualTo("model start/llama is loading; retry shortly");
                    assertThat(System.nanoTime()).isLessThan(deadline);
                    Thread.sleep(10);
                }
            }
            assertThat(answeredBy).isEqualTo("start/llama");
        } finally {
            engine.checkProceed.countDown();
            service.shutdown();
        }
    }

    private static void assertLoading(ModelService service) {
        assertThatThrownBy(() -> service.withModel(loaded -> loaded)).isInstanceOfSatisfying(ApiException.class, e -> {
            assertThat(e.status()).isEqualTo(503);
            assertThat(e.getMessage()).isEqualTo("model start/llama is loading; retry shortly");
            assertThat(e.retryAfter()).isEqualTo(Duration.ofSeconds(5));
        });
    }
}
