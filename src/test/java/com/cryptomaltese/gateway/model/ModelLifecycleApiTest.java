package com.cryptomaltese.gateway.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.http.HttpRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import com.cryptomaltese.gateway.TestApi;
import com.cryptomaltese.gateway.TestApi.Reply;
import com.cryptomaltese.gateway.TestData;
import com.cryptomaltese.gateway.engine.djl.HeldDjlEngine;
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
 * The single-model lifecycle through the API, with the real DJL engine on the llama fixture: chats
 * that arrive while a model loads or unloads answer 503 with Retry-After, loading B closes A first,
 * and system-status reports the process's memory around the last unload. A wrapper engine holds a
 * load or a close half-way on the test's latches, so "while" needs no timing guesses.
 */
@CamelSpringBootTest
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "gateway.data-dir=" + ModelLifecycleApiTest.DATA_DIR_NAME,
        "gateway.security.api-keys=" + TestApi.USER_KEY,
        "gateway.security.admin-keys=" + TestApi.ADMIN_KEY,
        "gateway.hub.endpoint=http://127.0.0.1:9",
        // A web server timeout below the chat deadline, as Spring MVC's default (30 s) was below 60 s.
        "gateway.chat.deadline=" + ModelLifecycleApiTest.DEADLINE_SECONDS + "s",
        "spring.mvc.async.request-timeout=1s"})
class ModelLifecycleApiTest {

    static final int DEADLINE_SECONDS = 5;

    static final String DATA_DIR_NAME = "target/test-data/model-lifecycle";
    static final Path DATA_DIR = TestData.freshDataDir(DATA_DIR_NAME);
    static final Path LLAMA = Path.of("src/test/resources/fixtures/models/llama").toAbsolutePath();
    static final String A = "/api/v1/models/life%2Fa";
    static final String B = "/api/v1/models/life%2Fb";
    static final String CHAT = "{\"message\": \"Hello\", \"parameters\": {\"max_length\": 4, \"do_sample\": false}}";

    /** Folders holding this file are run by the held engine below, ahead of the real ones. */
    static final String MARKER = "held.engine";

    @TestConfiguration
    static class HeldEngineConfiguration {
        @Bean
        @Order(Ordered.HIGHEST_PRECEDENCE)
        HeldDjlEngine heldEngine() {
            return new HeldDjlEngine(dir -> Files.exists(dir.resolve(MARKER)));
        }
    }

    @LocalServerPort
    int port;

    @Autowired
    HeldDjlEngine engine;

    TestApi api;
    ExecutorService background = Executors.newSingleThreadExecutor();

    @BeforeEach
    void models() throws IOException {
        api = new TestApi(port);
        for (String name : List.of("a", "b")) {
            Path folder = DATA_DIR.resolve("models/models--life--" + name);
            if (!Files.exists(folder)) {
                TestData.linkHubModel(DATA_DIR, LLAMA, "life", name);
                Files.writeString(folder.resolve("snapshots/0123abcd").resolve(MARKER), "");
            }
        }
    }

    @AfterEach
    void nothingLoaded() {
        background.shutdownNow();
        engine.checkProceed = new CountDownLatch(0);
        engine.loadProceed = new CountDownLatch(0);
        engine.closeProceed = new CountDownLatch(0);
        engine.generateProceed = new CountDownLatch(0);
        String loaded = api.get("/api/v1/models", TestApi.USER_KEY).json().path("loaded_model").asText(null);
        if (loaded != null) {
            api.post("/api/v1/models/" + loaded.replace("/", "%2F") + "/unload", TestApi.USER_KEY, null);
        }
    }

    @Test
    void aChatDuringALoadIs503WithRetryAfterAndAnsweredOnceLoaded() throws Exception {
        engine.loadEntered = new CountDownLatch(1);
        engine.loadProceed = new CountDownLatch(1);
        Future<Reply> load = background.submit(() -> api.post(A + "/load", TestApi.USER_KEY, null));
        assertThat(engine.loadEntered.await(30, TimeUnit.SECONDS)).isTrue();

        Reply chat = api.post("/api/v1/chat", TestApi.USER_KEY, CHAT);
        assertThat(chat.status()).as(chat.body()).isEqualTo(503);
        assertThat(Long.parseLong(chat.header("Retry-After"))).isPositive();
        assertThat(chat.json().path("message").asText()).isEqualTo("model life/a is loading; retry shortly");
        assertThat(api.get(A, TestApi.USER_KEY).json().path("status").asText()).isEqualTo("loading");

        engine.loadProceed.countDown();
        assertThat(load.get(60, TimeUnit.SECONDS).status()).isEqualTo(200);
        Reply answered = api.post("/api/v1/chat", TestApi.USER_KEY, CHAT);
        assertThat(answered.status()).as(answered.body()).isEqualTo(200);
        assertThat(answered.json().path("model_id").asText()).isEqualTo("life/a");
        assertThat(answered.json().path("usage").path("completion_tokens").asInt()).isPositive();
    }

    /**
     * A chat that runs past its deadline gets the gateway's 504, not the web server's 503 from before the
     * deadline, and nothing of it is stored: the caller was told it failed.
     */
    @Test
    void aChatPastTheDeadlineIs504FromTheGatewayAndStoresNothing() throws Exception {
        assertThat(api.post(A + "/load", TestApi.USER_KEY, null).status()).isEqualTo(200);
        engine.generateEntered = new CountDownLatch(1);
        engine.generateProceed = new CountDownLatch(1);
        String chat = "{\"message\": \"Hello\", \"user_id\": \"late\", \"channel\": \"api\", "
                + "\"parameters\": {\"max_length\": 4, \"do_sample\": false}}";
        Future<Reply> reply = background.submit(() -> api.post("/api/v1/chat", TestApi.USER_KEY, chat));
        assertThat(engine.generateEntered.await(30, TimeUnit.SECONDS)).isTrue();
        // Held past the deadline (the engine then stops at once): there is no event to wait for instead.
        Thread.sleep(TimeUnit.SECONDS.toMillis(DEADLINE_SECONDS) + 500);
        engine.generateProceed.countDown();

        Reply late = reply.get(60, TimeUnit.SECONDS);
        assertThat(late.status()).as(late.body()).isEqualTo(504);
        assertThat(late.json().path("message").asText())
                .isEqualTo("generation deadline of " + DEADLINE_SECONDS + " s passed");
        Reply stored = api.get("/api/v1/users/api/late", TestApi.ADMIN_KEY);
        assertThat(stored.status()).isEqualTo(200);
        assertThat(stored.json().get("messages")).isEmpty();
    }

    @Test
    void loadingBClosesAFirstAndSystemStatusShowsTheMemoryAroundIt() throws Exception {
        assertThat(api.post(A + "/load", TestApi.USER_KEY, null).status()).isEqualTo(200);
        long aBytes = status().path("model").path("memory_bytes").asLong();
        assertThat(aBytes).isPositive();
        int closedBefore = engine.closed.get();

        Reply loadB = api.post(B + "/load", TestApi.USER_KEY, null);

        assertThat(loadB.status()).as(loadB.body()).isEqualTo(200);
        assertThat(engine.closed.get()).isEqualTo(closedBefore + 1);
        JsonNode list = api.get("/api/v1/models", TestApi.USER_KEY).json();
        assertThat(list.path("loaded_model").asText()).isEqualTo("life/b");
        assertThat(api.get(A, TestApi.USER_KEY).json().path("status").asText()).isEqualTo("available");
        JsonNode model = status().path("model");
        assertThat(model.path("model_id").asText()).isEqualTo("life/b");
        JsonNode unload = model.path("last_unload");
        assertThat(unload.path("model_id").asText()).isEqualTo("life/a");
        assertThat(unload.path("model_memory_bytes").asLong()).isEqualTo(aBytes);
        assertUnloadFigures(unload);
    }

    /**
     * An unload waits for the generation under way, and only for it: chats arriving meanwhile are
     * told to retry instead of running before the unload (one after another, they would hold it off
     * for as long as they kept coming). An unload asked for during a load answers 409 at once.
     */
    @Test
    void anUnloadWaitingForAGenerationLetsNoNewChatIn() throws Exception {
        engine.loadEntered = new CountDownLatch(1);
        engine.loadProceed = new CountDownLatch(1);
        Future<Reply> load = background.submit(() -> api.post(A + "/load", TestApi.USER_KEY, null));
        assertThat(engine.loadEntered.await(30, TimeUnit.SECONDS)).isTrue();
        Reply unloadDuringLoad = api.post(A + "/unload", TestApi.USER_KEY, null);
        assertThat(unloadDuringLoad.status()).as(unloadDuringLoad.body()).isEqualTo(409);
        assertThat(unloadDuringLoad.json().path("message").asText())
                .isEqualTo("model life/a is being loaded; try again when it is done");
        engine.loadProceed.countDown();
        assertThat(load.get(60, TimeUnit.SECONDS).status()).isEqualTo(200);

        ExecutorService callers = Executors.newFixedThreadPool(3);
        try {
            engine.generateEntered = new CountDownLatch(1);
            engine.generateProceed = new CountDownLatch(1);
            Future<Reply> running = callers.submit(() -> api.post("/api/v1/chat", TestApi.USER_KEY, CHAT));
            assertThat(engine.generateEntered.await(30, TimeUnit.SECONDS)).isTrue();
            Future<Reply> unload = callers.submit(() -> api.post(A + "/unload", TestApi.USER_KEY, null));
            // Asking the gateway would race the unload for its lock; its thread shows when it waits for the generation.
            await().atMost(Duration.ofSeconds(30)).until(ModelLifecycleApiTest::anUnloadWaitsForTheMemoryLock);

            Future<Reply> later = callers.submit(() -> api.post("/api/v1/chat", TestApi.USER_KEY, CHAT));
            Reply refused = later.get(30, TimeUnit.SECONDS);
            assertThat(refused.status()).as(refused.body()).isEqualTo(503);
            assertThat(refused.json().path("message").asText()).isEqualTo("model life/a is being unloaded; retry shortly");
            assertThat(Long.parseLong(refused.header("Retry-After"))).isPositive();
            assertThat(unload.isDone()).as("the unload waits for the running generation").isFalse();

            engine.generateProceed.countDown();
            assertThat(running.get(60, TimeUnit.SECONDS).status()).isEqualTo(200);
            assertThat(unload.get(60, TimeUnit.SECONDS).status()).isEqualTo(200);
        } finally {
            callers.shutdownNow();
        }
    }

    /**
     * A cleanup of the models folder keeps a model whose load is under way, also while the load still
     * checks its files (before the engine reads them), and deletes the others.
     */
    @Test
    void cleanModelsKeepsAModelWhoseLoadIsBeingChecked() throws Exception {
        engine.checkEntered = new CountDownLatch(1);
        engine.checkProceed = new CountDownLatch(1);
        Future<Reply> load = background.submit(() -> api.post(A + "/load", TestApi.USER_KEY, null));
        try {
            assertThat(engine.checkEntered.await(30, TimeUnit.SECONDS)).isTrue();
            Reply cleanup = api.post("/api/v1/admin/cleanup", TestApi.ADMIN_KEY, "{\"operations\": [\"clean_models\"]}");
            assertThat(cleanup.status()).as(cleanup.body()).isEqualTo(200);
            assertThat(DATA_DIR.resolve("models/models--life--a/snapshots/0123abcd/config.json")).isRegularFile();
            assertThat(DATA_DIR.resolve("models/models--life--b")).doesNotExist();
        } finally {
            engine.checkProceed.countDown();
        }
        Reply loaded = load.get(60, TimeUnit.SECONDS);
        assertThat(loaded.status()).as(loaded.body()).isEqualTo(200);
        Reply chat = api.post("/api/v1/chat", TestApi.USER_KEY, CHAT);
        assertThat(chat.status()).as(chat.body()).isEqualTo(200);
    }

    @Test
    void aChatDuringAnUnloadIs503AndSystemStatusReportsTheUnload() throws Exception {
        assertThat(api.post(B + "/load", TestApi.USER_KEY, null).status()).isEqualTo(200);
        JsonNode loaded = status();
        assertThat(loaded.path("model").path("loaded").asBoolean()).isTrue();
        long bBytes = loaded.path("model").path("memory_bytes").asLong();
        engine.closeEntered = new CountDownLatch(1);
        engine.closeProceed = new CountDownLatch(1);
        Future<Reply> unload = background.submit(() -> api.post(B + "/unload", TestApi.USER_KEY, null));
        assertThat(engine.closeEntered.await(30, TimeUnit.SECONDS)).isTrue();

        Reply chat = api.post("/api/v1/chat", TestApi.USER_KEY, CHAT);
        assertThat(chat.status()).as(chat.body()).isEqualTo(503);
        assertThat(Long.parseLong(chat.header("Retry-After"))).isPositive();
        assertThat(chat.json().path("message").asText()).isEqualTo("model life/b is being unloaded; retry shortly");
        Reply loadA = api.post(A + "/load", TestApi.USER_KEY, null);
        assertThat(loadA.status()).isEqualTo(409);
        assertThat(loadA.json().path("message").asText())
                .isEqualTo("model life/b is being unloaded; try again when it is done");

        engine.closeProceed.countDown();
        assertThat(unload.get(60, TimeUnit.SECONDS).status()).isEqualTo(200);
        JsonNode model = status().path("model");
        assertThat(model.path("loaded").asBoolean()).isFalse();
        assertThat(model.path("memory_bytes").asLong()).isZero();
        assertThat(model.path("last_unload").path("model_id").asText()).isEqualTo("life/b");
        assertThat(model.path("last_unload").path("model_memory_bytes").asLong()).isEqualTo(bBytes);
        assertUnloadFigures(model.path("last_unload"));
        Reply noModel = api.post("/api/v1/chat", TestApi.USER_KEY, CHAT);
        assertThat(noModel.status()).isEqualTo(503);
        assertThat(noModel.json().path("message").asText()).startsWith("no model is loaded");
    }

    @Test
    void postsWithoutABodyNeedNoContentTypeAsTheReadmesCurlCommandsSendThem() {
        for (String path : List.of(A + "/load", A + "/parameters/reset", A + "/unload")) {
            Reply reply = api.postWithoutBody(path, TestApi.USER_KEY);
            assertThat(reply.status()).as(path + ": " + reply.body()).isEqualTo(200);
        }
        Reply purge = api.postWithoutBody("/api/v1/admin/purge-logs", TestApi.ADMIN_KEY);
        assertThat(purge.status()).as(purge.body()).isEqualTo(200);
        // A body is still JSON or nothing.
        for (String type : List.of("text/plain", "application/x-www-form-urlencoded", "application/jsonx")) {
            Reply other = api.send(api.request("/api/v1/admin/purge-logs", TestApi.ADMIN_KEY)
                    .header("Content-Type", type).POST(java.net.http.HttpRequest.BodyPublishers.ofString("older_than_days=1")));
            assertThat(other.status()).as(type + ": " + other.body()).isEqualTo(415);
            assertThat(other.json().path("details").get(0).path("field").asText()).isEqualTo("Content-Type");
        }
        Reply json = api.send(api.request("/api/v1/admin/purge-logs", TestApi.ADMIN_KEY)
                .header("Content-Type", "application/json; charset=utf-8")
                .POST(java.net.http.HttpRequest.BodyPublishers.ofString("{\"older_than_days\": 30}")));
        assertThat(json.status()).as(json.body()).isEqualTo(200);
        assertThat(json.json().path("older_than_days").asInt()).isEqualTo(30);
        Reply chat = api.postWithoutBody("/api/v1/chat", TestApi.USER_KEY);
        assertThat(chat.status()).as(chat.body()).isEqualTo(415);
    }

    /**
     * Load, unload and reset take no body: one that says something (a model in it, the parameters to
     * reset) is refused before anything happens, not ignored; an empty object, which clients send by
     * habit, passes; a form is refused as not JSON.
     */
    @Test
    void aBodyOnAnOperationThatTakesNoneIsRefusedNotIgnored() {
        assertThat(api.put(A + "/parameters", TestApi.USER_KEY, "{\"temperature\": 0.5}").status()).isEqualTo(200);
        record Stray(String contentType, String body, String named) {
        }
        List<Stray> strays = List.of(new Stray("application/json", "{\"parameters\": [\"temperature\"]}", "parameters"),
                new Stray("application/json", "{\"model_id\": \"life/b\", \"force\": true}", "model_id, force"),
                new Stray("application/json", "[]", null), new Stray("application/json", "{", null),
                new Stray("text/plain", "life/b", null));
        for (String operation : List.of("load", "parameters/reset", "unload")) {
            for (Stray stray : strays) {
                Reply refused = api.send(api.request(A + "/" + operation, TestApi.USER_KEY)
                        .header("Content-Type", stray.contentType()).POST(HttpRequest.BodyPublishers.ofString(stray.body())));
                assertThat(refused.status()).as(operation + " with " + stray + ": " + refused.body()).isEqualTo(400);
                assertThat(refused.json().path("message").asText()).as(refused.body())
                        .startsWith("invalid request: body must be empty: " + operation.replace("parameters/", "") + " takes no body");
                assertThat(refused.json().at("/details/0/field").asText()).isEqualTo("body");
                if (stray.named() != null) {
                    assertThat(refused.json().path("message").asText()).endsWith("(got " + stray.named() + ")");
                }
            }
        }
        // A form (curl -d sends one unless told otherwise) is not JSON at all: 415, also when it is not
        // key=value pairs, which the web layer's form parsing failed on without an answer's body.
        for (String operation : List.of("load", "parameters/reset", "unload")) {
            for (String form : List.of("model=life%2Fb", "{}", "{\"model_id\": \"life/b\"}")) {
                Reply refused = api.send(api.request(A + "/" + operation, TestApi.USER_KEY)
                        .header("Content-Type", "application/x-www-form-urlencoded").POST(HttpRequest.BodyPublishers.ofString(form)));
                assertThat(refused.status()).as(operation + " with the form " + form + ": " + refused.body()).isEqualTo(415);
                assertThat(refused.json().path("message").asText()).isEqualTo("unsupported Content-Type: send application/json");
                assertThat(refused.json().at("/details/0/field").asText()).isEqualTo("Content-Type");
            }
        }
        assertThat(status().path("model").path("loaded").asBoolean()).as("no stray load happened").isFalse();
        assertThat(api.get(A + "/parameters", TestApi.USER_KEY).json().at("/parameters/temperature").asDouble())
                .as("no stray reset happened").isEqualTo(0.5);

        for (String empty : List.of("{}", " { } ", "\n")) {
            for (String operation : List.of("load", "parameters/reset", "unload")) {
                Reply reply = api.post(A + "/" + operation, TestApi.USER_KEY, empty);
                assertThat(reply.status()).as(operation + " with " + empty + ": " + reply.body()).isEqualTo(200);
            }
        }
        // A multipart request is refused with or without a body (one without a boundary failed with a 500).
        for (String path : List.of("/api/v1/health", A + "/load", "/api/v1/admin/purge-logs")) {
            Reply multipart = api.send(api.request(path, TestApi.ADMIN_KEY)
                    .header("Content-Type", "multipart/form-data").POST(HttpRequest.BodyPublishers.noBody()));
            assertThat(multipart.status()).as(path + ": " + multipart.body()).isEqualTo(415);
            assertThat(multipart.json().at("/details/0/field").asText()).isEqualTo("Content-Type");
        }
        // An empty form (curl -d '') is no body, also for purge-logs, whose empty body means the defaults.
        Reply purge = api.send(api.request("/api/v1/admin/purge-logs", TestApi.ADMIN_KEY)
                .header("Content-Type", "application/x-www-form-urlencoded").POST(HttpRequest.BodyPublishers.ofString("")));
        assertThat(purge.status()).as(purge.body()).isEqualTo(200);
        for (String operation : List.of("load", "parameters/reset", "unload")) {
            Reply reply = api.send(api.request(A + "/" + operation, TestApi.USER_KEY)
                    .header("Content-Type", "application/x-www-form-urlencoded").POST(HttpRequest.BodyPublishers.ofString("")));
            assertThat(reply.status()).as(operation + " with an empty form: " + reply.body()).isEqualTo(200);
        }
    }

    /** A thread in ModelService.unload waits for the write lock of the model's memory (running generations hold it). */
    private static boolean anUnloadWaitsForTheMemoryLock() {
        return Thread.getAllStackTraces().entrySet().stream().anyMatch(thread -> {
            List<String> frames = java.util.Arrays.stream(thread.getValue())
                    .map(f -> f.getClassName() + "." + f.getMethodName()).toList();
            return thread.getKey().getState() == Thread.State.WAITING
                    && frames.contains("java.util.concurrent.locks.ReentrantReadWriteLock$WriteLock.lock")
                    && frames.contains(ModelService.class.getName() + ".unload");
        });
    }

    /** Resident memory read around the close (this runs on Linux): both known, freed = before - after. */
    private static void assertUnloadFigures(JsonNode unload) {
        long before = unload.path("resident_bytes_before").asLong();
        long after = unload.path("resident_bytes_after").asLong();
        assertThat(before).isPositive();
        assertThat(after).isPositive();
        assertThat(unload.path("resident_bytes_freed").asLong()).isEqualTo(before - after);
        assertThat(Instant.parse(unload.path("unloaded_at").asText())).isBefore(Instant.now().plusSeconds(1));
    }

    private JsonNode status() {
        Reply reply = api.get("/api/v1/admin/system-status", TestApi.ADMIN_KEY);
        assertThat(reply.status()).as(reply.body()).isEqualTo(200);
        return reply.json();
    }
}
