package com.cryptomaltese.gateway.hub;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;

import com.cryptomaltese.gateway.TestApi;
import com.cryptomaltese.gateway.TestApi.Reply;
import com.cryptomaltese.gateway.TestData;
import com.cryptomaltese.gateway.hub.FakeHub.Fault;
import com.cryptomaltese.gateway.model.ModelId;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.camel.test.spring.junit5.CamelSpringBootTest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * POST /models/download, GET and DELETE /models/{model_id} and the model lifecycle around them,
 * against a fake Hub on loopback; the downloaded fixture model is then loaded and chatted with on
 * the real DJL engine.
 */
@CamelSpringBootTest
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "gateway.data-dir=" + HubDownloadApiTest.DATA, "gateway.security.api-keys=" + TestApi.USER_KEY,
        "gateway.security.admin-keys=" + TestApi.ADMIN_KEY,
        "gateway.hub.initial-backoff=10ms", "gateway.hub.max-backoff=50ms", "gateway.hub.max-attempts=3",
        "gateway.hub.answer-within=5s"})
class HubDownloadApiTest {

    static final String DATA = "target/test-data/hub-api";
    static final Path DATA_DIR = TestData.freshDataDir(DATA);
    static final Path LLAMA = Path.of("src/test/resources/fixtures/models/llama").toAbsolutePath();
    static final String COMMIT = "fedcba9876543210fedcba9876543210fedcba98";
    static final String TOKEN = "hf_api_test_token_5150";
    static final FakeHub HUB = new FakeHub();
    static final String DOWNLOAD = "/api/v1/models/download";

    @DynamicPropertySource
    static void hub(DynamicPropertyRegistry registry) {
        registry.add("gateway.hub.endpoint", HUB::endpoint);
    }

    @AfterAll
    static void stopHub() {
        HUB.close();
    }

    @LocalServerPort
    int port;
    @Autowired
    DownloadManager downloads;
    TestApi api;

    @BeforeEach
    void client() {
        api = new TestApi(port);
    }

    Reply download(String json) {
        return api.post(DOWNLOAD, TestApi.USER_KEY, json);
    }

    JsonNode awaitStatus(String encodedId, String... statuses) throws InterruptedException {
        for (int i = 0; i < 3000; i++) {
            Reply reply = api.get("/api/v1/models/" + encodedId, TestApi.USER_KEY);
            if (reply.status() == 200 && java.util.List.of(statuses).contains(reply.json().get("status").asText())) {
                return reply.json();
            }
            Thread.sleep(10);
        }
        throw new AssertionError(encodedId + " never reached " + String.join("/", statuses) + ": "
                + api.get("/api/v1/models/" + encodedId, TestApi.USER_KEY).body());
    }

    static JsonNode listed(JsonNode list, String id) {
        for (JsonNode model : list.get("models")) {
            if (model.get("id").asText().equals(id)) {
                return model;
            }
        }
        throw new AssertionError(id + " not listed in " + list);
    }

    @Test
    void aHubSlowToListIsWaitedForInTheBackgroundAfterA202() throws Exception {
        HUB.addFolder("slow/llama", COMMIT, LLAMA, null);
        HUB.rearm();
        HUB.fault(FakeHub.LISTING, FakeHub.Fault.SILENT);
        try {
            Reply started = download("{\"model_name\": \"slow/llama\"}");
            assertThat(started.status()).as(started.body()).isEqualTo(202);
            assertThat(started.json().get("status").asText()).isEqualTo("downloading");
            assertThat(started.json().get("message").asText()).startsWith(
                    "downloading slow/llama: the Hub's file list has not come yet");
            assertThat(started.json().get("bytes_total").asLong()).isZero();
            assertThat(api.get("/api/v1/models/slow%2Fllama", TestApi.USER_KEY).json().get("status").asText())
                    .isEqualTo("downloading");
            // A second request joins rather than waiting for the Hub too.
            Reply joined = download("{\"model_name\": \"slow/llama\"}");
            assertThat(joined.status()).as(joined.body()).isEqualTo(202);
            assertThat(joined.json().get("joined").asBoolean()).isTrue();
        } finally {
            HUB.release();
        }
        JsonNode done = awaitStatus("slow%2Fllama", "available", "error");
        assertThat(done.get("status").asText()).as(done.toString()).isEqualTo("available");
        assertThat(HUB.count("hub GET /api/models/slow/llama")).isEqualTo(1);
    }

    @Test
    void aDownloadedModelLoadsAndAnswersAsTransformers() throws Exception {
        HUB.addFolder("e2e/llama", COMMIT, LLAMA, null);
        Reply started = download("{\"model_name\": \"e2e/llama\", \"model_format\": \"safetensors\"}");
        assertThat(started.status()).as(started.body()).isEqualTo(202);
        JsonNode body = started.json();
        assertThat(body.get("status").asText()).isEqualTo("downloading");
        assertThat(body.get("model_id").asText()).isEqualTo("e2e/llama");
        assertThat(body.get("download_progress").isNumber()).isTrue();
        assertThat(body.has("estimated_time")).isTrue();
        assertThat(body.get("format").asText()).isEqualTo("safetensors");
        assertThat(body.get("revision").asText()).isEqualTo(COMMIT);
        assertThat(body.get("bytes_total").asLong()).isPositive();
        assertThat(body.get("joined").asBoolean()).isFalse();

        JsonNode done = awaitStatus("e2e%2Fllama", "available", "error");
        assertThat(done.get("status").asText()).as(done.toString()).isEqualTo("available");
        assertThat(done.at("/download/status").asText()).isEqualTo("completed");
        assertThat(done.at("/download/download_progress").asDouble()).isEqualTo(100.0);

        JsonNode model = listed(api.get("/api/v1/models", TestApi.USER_KEY).json(), "e2e/llama");
        assertThat(model.get("format").asText()).isEqualTo("safetensors");
        assertThat(model.get("revision").asText()).isEqualTo(COMMIT);
        assertThat(model.get("source").asText()).isEqualTo("huggingface");
        assertThat(model.get("downloaded_at").asText()).endsWith("Z");
        byte[] weights = Files.readAllBytes(LLAMA.resolve("model.safetensors"));
        assertThat(model.get("files").findValuesAsText("sha256")).contains(FakeHub.sha256(weights));
        assertThat(model.get("size").asLong()).isEqualTo(body.get("bytes_total").asLong());

        JsonNode golden = new ObjectMapper().readTree(LLAMA.resolve("golden.json").toFile());
        Reply load = api.post("/api/v1/models/e2e%2Fllama/load", TestApi.USER_KEY, null);
        assertThat(load.status()).as(load.body()).isEqualTo(200);
        try {
            Reply chat = api.post("/api/v1/chat", TestApi.USER_KEY, new ObjectMapper().createObjectNode()
                    .put("message", golden.at("/prompts/chat/messages/0/content").asText())
                    .set("parameters", new ObjectMapper().createObjectNode()
                            .put("do_sample", false).put("max_length", 32).put("repetition_penalty", 1.0))
                    .toString());
            assertThat(chat.status()).as(chat.body()).isEqualTo(200);
            assertThat(chat.json().get("response").asText()).isEqualTo(golden.at("/greedy/text_skip_special").asText());
            // A loaded model cannot be deleted.
            Reply delete = api.send(api.request("/api/v1/models/e2e%2Fllama", TestApi.USER_KEY).DELETE());
            assertThat(delete.status()).isEqualTo(409);
            assertThat(delete.json().get("message").asText()).contains("is loaded; unload it");
        } finally {
            assertThat(api.post("/api/v1/models/e2e%2Fllama/unload", TestApi.USER_KEY, null).status()).isEqualTo(200);
        }
        Reply delete = api.send(api.request("/api/v1/models/e2e%2Fllama", TestApi.USER_KEY).DELETE());
        assertThat(delete.status()).as(delete.body()).isEqualTo(200);
        assertThat(delete.json().get("message").asText()).isEqualTo("model e2e/llama deleted from disk");
        assertThat(DATA_DIR.resolve("models/models--e2e--llama")).doesNotExist();
        assertThat(api.get("/api/v1/models/e2e%2Fllama", TestApi.USER_KEY).status()).isEqualTo(404);
    }

    @Test
    void aRunningDownloadIsListedJoinedRefusedForLoadingAndCancelled() throws Exception {
        HUB.addFolder("held/llama", COMMIT, LLAMA, null);
        HUB.rearm();
        HUB.fault("model.safetensors", Fault.HOLD);
        try {
            assertThat(download("{\"model_name\": \"held/llama\"}").status()).isEqualTo(202);
            assertThat(HUB.awaitHolding()).isTrue();

            Reply second = download("{\"model_name\": \"held/llama\"}");
            assertThat(second.status()).isEqualTo(202);
            assertThat(second.json().get("joined").asBoolean()).isTrue();
            assertThat(second.json().get("message").asText()).isEqualTo("joined the running download of held/llama");
            assertThat(HUB.requestsFor("/api/models/held/llama/")).hasSize(1);

            // The four small files finish; the held weights file is the one left in flight.
            JsonNode one = null;
            for (int i = 0; i < 2000; i++) {
                one = api.get("/api/v1/models/held%2Fllama", TestApi.USER_KEY).json();
                if (one.at("/download/files_done").asInt() == 4) {
                    break;
                }
                Thread.sleep(10);
            }
            assertThat(one.get("status").asText()).isEqualTo("downloading");
            JsonNode progress = one.get("download");
            assertThat(progress.get("bytes_downloaded").asLong()).isPositive()
                    .isLessThan(progress.get("bytes_total").asLong());
            assertThat(progress.get("files_total").asInt()).isEqualTo(5);
            assertThat(progress.get("files_done").asInt()).isEqualTo(4);
            assertThat(progress.has("speed_bytes_per_second")).isTrue();
            assertThat(progress.get("current_file").asText()).isEqualTo("model.safetensors");
            assertThat(listed(api.get("/api/v1/models", TestApi.USER_KEY).json(), "held/llama").get("status").asText())
                    .isEqualTo("downloading");

            Reply load = api.post("/api/v1/models/held%2Fllama/load", TestApi.USER_KEY, null);
            assertThat(load.status()).isEqualTo(409);
            assertThat(load.json().get("message").asText()).startsWith("model held/llama is still downloading (");
            // Chat is not blocked by the download (no model loaded here: the usual 503, at once).
            assertThat(api.post("/api/v1/chat", TestApi.USER_KEY, "{\"message\": \"hi\"}").status()).isEqualTo(503);

            Reply cancel = api.send(api.request("/api/v1/models/held%2Fllama", TestApi.USER_KEY).DELETE());
            assertThat(cancel.status()).as(cancel.body()).isEqualTo(200);
            assertThat(cancel.json().get("message").asText()).isEqualTo("download of held/llama cancelled; its files were removed");
            assertThat(api.get("/api/v1/models/held%2Fllama", TestApi.USER_KEY).status()).isEqualTo(404);
            assertThat(DATA_DIR.resolve("models/models--held--llama")).doesNotExist();
        } finally {
            HUB.release();
        }
    }

    /**
     * A DELETE reaching a download whose files are all in place, as its snapshot is published (the
     * download is held there until the DELETE's cancel has reached it). Publishing does not look at
     * the cancel, so the download completes, the cancel finds nothing left to cancel and the DELETE
     * deletes the model the download became; a cancel a moment earlier would have removed the files
     * itself. Either way the answer is 200 and nothing of the model stays: no snapshot, refs, blobs or
     * record, no listing, no download state; and the same model downloads again.
     */
    @Test
    void aDeleteAsTheDownloadIsPublishedLeavesNothingAndTheModelDownloadsAgain() throws Exception {
        HUB.addFolder("racing/llama", COMMIT, LLAMA, null);
        Path folder = DATA_DIR.resolve("models/models--racing--llama");
        CountDownLatch publishing = new CountDownLatch(1);
        AtomicBoolean cancelReached = new AtomicBoolean();
        downloads.beforePublish = job -> {
            if (!job.id.toString().equals("racing/llama")) {
                return;
            }
            publishing.countDown();
            try {
                // The cancel counts the stop signal down: the publishing starts with the cancel asked for.
                cancelReached.set(job.stopSignal.await(20, TimeUnit.SECONDS));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        };
        try {
            assertThat(download("{\"model_name\": \"racing/llama\"}").status()).isEqualTo(202);
            assertThat(publishing.await(20, TimeUnit.SECONDS)).isTrue();
            assertThat(folder.resolve("blobs")).isNotEmptyDirectory();
            assertThat(folder.resolve("maltese-download-request.json")).exists();
            assertThat(folder.resolve("snapshots").resolve(COMMIT)).doesNotExist();

            Reply delete = api.send(api.request("/api/v1/models/racing%2Fllama", TestApi.USER_KEY).DELETE());
            assertThat(cancelReached).isTrue();
            assertThat(delete.status()).as(delete.body()).isEqualTo(200);
            assertThat(delete.json().get("message").asText()).isIn("model racing/llama deleted from disk",
                    "download of racing/llama cancelled; its files were removed");
        } finally {
            downloads.beforePublish = job -> { };
        }
        assertThat(folder).doesNotExist();
        assertThat(api.get("/api/v1/models/racing%2Fllama", TestApi.USER_KEY).status()).isEqualTo(404);
        assertThat(api.get("/api/v1/models", TestApi.USER_KEY).body()).doesNotContain("racing/llama");
        assertThat(downloads.progress(ModelId.parse("racing/llama", "model_name"))).isEmpty();

        Reply again = download("{\"model_name\": \"racing/llama\"}");
        assertThat(again.status()).as(again.body()).isEqualTo(202);
        assertThat(again.json().get("joined").asBoolean()).isFalse();
        JsonNode done = awaitStatus("racing%2Fllama", "available", "error");
        assertThat(done.get("status").asText()).as(done.toString()).isEqualTo("available");
        assertThat(Files.readString(folder.resolve("refs/main"))).isEqualTo(COMMIT);
        assertThat(folder.resolve("maltese-download-request.json")).doesNotExist();
        assertThat(api.send(api.request("/api/v1/models/racing%2Fllama", TestApi.USER_KEY).DELETE()).status())
                .isEqualTo(200);
    }

    /**
     * A download that does not stop within the cancel's wait (held while publishing, as a slow disk
     * would) is not reported cancelled: it may yet complete. The DELETE answers 503 "still stopping",
     * the download completes, and the same DELETE then deletes the model.
     */
    @Test
    void aDeleteOfADownloadThatDoesNotStopInTimeSaysSoAndTheNextOneDeletes() throws Exception {
        HUB.addFolder("slow/llama", COMMIT, LLAMA, null);
        Path folder = DATA_DIR.resolve("models/models--slow--llama");
        CountDownLatch publishing = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        downloads.beforePublish = job -> {
            if (job.id.toString().equals("slow/llama")) {
                publishing.countDown();
                try {
                    release.await(30, TimeUnit.SECONDS); // deaf to the cancel, as a long publish is
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        };
        downloads.cancelWait = Duration.ofMillis(300);
        try {
            assertThat(download("{\"model_name\": \"slow/llama\"}").status()).isEqualTo(202);
            assertThat(publishing.await(20, TimeUnit.SECONDS)).isTrue();
            Reply early = api.send(api.request("/api/v1/models/slow%2Fllama", TestApi.USER_KEY).DELETE());
            assertThat(early.status()).as(early.body()).isEqualTo(503);
            assertThat(early.header("Retry-After")).isEqualTo("2");
            assertThat(early.json().get("message").asText()).contains("slow/llama is still stopping");
        } finally {
            release.countDown();
            downloads.beforePublish = job -> { };
            downloads.cancelWait = Duration.ofSeconds(30);
        }
        JsonNode done = awaitStatus("slow%2Fllama", "available", "error");
        assertThat(done.get("status").asText()).as(done.toString()).isEqualTo("available");
        Reply delete = api.send(api.request("/api/v1/models/slow%2Fllama", TestApi.USER_KEY).DELETE());
        assertThat(delete.status()).as(delete.body()).isEqualTo(200);
        assertThat(delete.json().get("message").asText()).isEqualTo("model slow/llama deleted from disk");
        assertThat(folder).doesNotExist();
    }

    @Test
    void aPrivateRepoNeedsTheTokenWhichIsNeverEchoedOrStored() throws Exception {
        HUB.addFolder("secret/llama", COMMIT, LLAMA, TOKEN);
        Reply refused = download("{\"model_name\": \"secret/llama\"}");
        assertThat(refused.status()).isEqualTo(502);
        assertThat(refused.json().get("status").asText()).isEqualTo("error");
        assertThat(refused.json().get("message").asText())
                .contains("the Hub refused access to secret/llama: the repository is private or gated: send auth_token or set HF_TOKEN");
        JsonNode failed = api.get("/api/v1/models/secret%2Fllama", TestApi.USER_KEY).json();
        assertThat(failed.get("status").asText()).isEqualTo("error");
        assertThat(failed.get("error").asText()).contains("private or gated");
        Reply load = api.post("/api/v1/models/secret%2Fllama/load", TestApi.USER_KEY, null);
        assertThat(load.status()).isEqualTo(409);
        assertThat(load.json().get("message").asText()).contains("its download failed: the Hub refused access");

        Reply ok = download("{\"model_name\": \"secret/llama\", \"auth_token\": \"" + TOKEN + "\"}");
        assertThat(ok.status()).as(ok.body()).isEqualTo(202);
        assertThat(ok.body()).doesNotContain(TOKEN);
        JsonNode done = awaitStatus("secret%2Fllama", "available", "error");
        assertThat(done.get("status").asText()).isEqualTo("available");
        assertThat(api.get("/api/v1/models", TestApi.USER_KEY).body()).doesNotContain(TOKEN);
        assertThat(HUB.cdnAuthorizations).doesNotContain("Bearer " + TOKEN);
        // Not on disk (models, database, logs) and so in no log line either.
        try (Stream<Path> walk = Files.walk(DATA_DIR)) {
            for (Path p : walk.filter(Files::isRegularFile).toList()) {
                assertThat(new String(Files.readAllBytes(p), StandardCharsets.ISO_8859_1)).as(p.toString())
                        .doesNotContain(TOKEN);
            }
        }
    }

    @Test
    void cleanModelsAlsoForgetsFailedDownloads() {
        HUB.addFolder("secret/gone", COMMIT, LLAMA, TOKEN);
        assertThat(download("{\"model_name\": \"secret/gone\"}").status()).isEqualTo(502);
        assertThat(api.get("/api/v1/models/secret%2Fgone", TestApi.USER_KEY).json().get("status").asText())
                .isEqualTo("error");

        Reply cleaned = api.post("/api/v1/admin/cleanup", TestApi.ADMIN_KEY, "{\"operations\": [\"clean_models\"]}");
        assertThat(cleaned.status()).as(cleaned.body()).isEqualTo(200);
        assertThat(api.get("/api/v1/models/secret%2Fgone", TestApi.USER_KEY).status()).isEqualTo(404);
        assertThat(api.get("/api/v1/models", TestApi.USER_KEY).body()).doesNotContain("secret/gone");
    }

    @Test
    void tooLittleDiskIs507WithTheNumbersAndAMissingFormatNamesTheOthers() {
        HUB.addFolder("huge/llama", COMMIT, LLAMA, null);
        HUB.claimSize(1L << 50);
        try {
            Reply reply = download("{\"model_name\": \"huge/llama\"}");
            assertThat(reply.status()).isEqualTo(507);
            assertThat(reply.json().get("message").asText()).contains("not enough disk space to download huge/llama: it needs "
                    + 5 * (1L << 50) + " bytes").contains("bytes (").contains("are free");
        } finally {
            HUB.claimSize(-1);
        }
        Reply gguf = download("{\"model_name\": \"huge/llama:Q4_K_M\"}");
        assertThat(gguf.status()).isEqualTo(400);
        assertThat(gguf.json().get("message").asText()).contains("huge/llama has no gguf files; it has safetensors");
        assertThat(download("{\"model_name\": \"nobody/nothing\"}").status()).isEqualTo(404);
    }

    @Test
    void aRevisionIsValidatedDownloadedAndTheModelThenRunsFromIt() throws Exception {
        Reply bad = download("{\"model_name\": \"rev/llama\", \"revision\": \"../../etc\"}");
        assertThat(bad.status()).isEqualTo(400);
        assertThat(bad.json().at("/details/0/field").asText()).isEqualTo("revision");
        assertThat(bad.json().at("/details/0/problem").asText()).startsWith("must be a branch, tag or commit")
                .endsWith("got '../../etc'");

        HUB.addFolder("rev/llama", COMMIT, LLAMA, null);
        String tagCommit = "1111111111111111111111111111111111111111";
        java.util.Map<String, byte[]> files = new java.util.LinkedHashMap<>();
        for (String name : java.util.List.of("config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json")) {
            files.put(name, Files.readAllBytes(LLAMA.resolve(name)));
        }
        HUB.addRevision("v2", new FakeHub.Repo("rev/llama", tagCommit, files, null, java.util.List.of()));

        assertThat(download("{\"model_name\": \"rev/llama\"}").status()).isEqualTo(202);
        assertThat(awaitStatus("rev%2Fllama", "available", "error").get("revision").asText()).isEqualTo(COMMIT);
        Reply tag = download("{\"model_name\": \"rev/llama\", \"revision\": \"v2\"}");
        assertThat(tag.status()).as(tag.body()).isEqualTo(202);
        assertThat(tag.json().get("revision").asText()).isEqualTo(tagCommit);
        assertThat(tag.json().get("requested_revision").asText()).isEqualTo("v2");
        for (int i = 0; i < 3000; i++) {
            if (api.get("/api/v1/models/rev%2Fllama", TestApi.USER_KEY).json().at("/download/status").asText().equals("completed")) {
                break;
            }
            Thread.sleep(10);
        }
        // The model now runs from the tag's snapshot; refs/main still names main's commit, as in huggingface-cli.
        JsonNode model = api.get("/api/v1/models/rev%2Fllama", TestApi.USER_KEY).json();
        assertThat(model.get("status").asText()).isEqualTo("available");
        assertThat(model.get("revision").asText()).isEqualTo(tagCommit);
        assertThat(model.get("files").findValuesAsText("path")).doesNotContain("generation_config.json");
        Path folder = DATA_DIR.resolve("models/models--rev--llama");
        assertThat(Files.readString(folder.resolve("refs/main"))).isEqualTo(COMMIT);
        assertThat(Files.readString(folder.resolve("refs/v2"))).isEqualTo(tagCommit);
        Reply missing = download("{\"model_name\": \"rev/llama\", \"revision\": \"v3\"}");
        assertThat(missing.status()).isEqualTo(404);
        assertThat(missing.json().get("message").asText()).contains("the Hub has no model rev/llama at revision v3");
    }
}
