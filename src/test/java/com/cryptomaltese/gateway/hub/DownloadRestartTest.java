package com.cryptomaltese.gateway.hub;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;

import com.cryptomaltese.gateway.MalteseGatewayApplication;
import com.cryptomaltese.gateway.TestApi;
import com.cryptomaltese.gateway.TestApi.Reply;
import com.cryptomaltese.gateway.TestData;
import com.cryptomaltese.gateway.hub.FakeHub.Fault;
import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.context.logging.LoggingApplicationListener;
import org.springframework.boot.web.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Two gateways, one after the other, on one data directory: a download cut short by the first one's
 * shutdown, and one that failed there, are both reported by the second (status error, the reason);
 * the same download request sent to the second continues the partial file with a Range request from
 * the byte it ended at. Deliberately not a shared-context test: it stops and starts its own contexts.
 */
class DownloadRestartTest {

    static final String KEY = "restart-user-key-77a1";
    static final String TOKEN = "hf_restart_token_9d3e";
    static final String COMMIT = "abcabcabcabcabcabcabcabcabcabcabcabcabca";
    static final Path LLAMA = Path.of("src/test/resources/fixtures/models/llama").toAbsolutePath();
    static final String WEIGHTS = "model.safetensors";

    @Test
    void anInterruptedDownloadIsReportedAfterARestartAndTheSameRequestContinuesItWithARange() throws Exception {
        Path data = TestData.freshDataDir("target/test-data/hub-download-restart");
        Path folder = data.resolve("models/models--private--llama");
        byte[] weights = Files.readAllBytes(LLAMA.resolve(WEIGHTS));
        Path part = folder.resolve("blobs").resolve(FakeHub.sha256(weights) + ".incomplete");
        try (FakeHub hub = new FakeHub()) {
            hub.addFolder("private/llama", COMMIT, LLAMA, TOKEN);
            hub.fault(WEIGHTS, Fault.HOLD);
            Map<String, byte[]> broken = new LinkedHashMap<>();
            broken.put("config.json", "{\"model_type\": \"llama\"}".getBytes(StandardCharsets.UTF_8));
            byte[] junk = new byte[4096];
            new Random(7).nextBytes(junk);
            broken.put("broken.safetensors", junk);
            hub.add(new FakeHub.Repo("broken/tiny", COMMIT, broken, null, List.of()));
            hub.fault("broken.safetensors", Fault.WRONG_BYTES);
            String request = "{\"model_name\": \"private/llama\", \"auth_token\": \"" + TOKEN + "\"}";

            ConfigurableApplicationContext first = start(data, hub, "first");
            try {
                TestApi api = new TestApi(port(first));
                assertThat(api.post("/api/v1/models/download", KEY, request).status()).isEqualTo(202);
                assertThat(hub.awaitHolding()).isTrue();
                // The held transfer has sent half the weights; wait until the gateway has received them
                // (everything but the other half: the small files complete).
                long missing = weights.length - weights.length / 2;
                JsonNode progress = null;
                for (int i = 0; i < 2000; i++) {
                    progress = api.get("/api/v1/models/private%2Fllama", KEY).json().path("download");
                    if (progress.path("bytes_total").asLong() - progress.path("bytes_downloaded").asLong() == missing) {
                        break;
                    }
                    Thread.sleep(10);
                }
                assertThat(progress.path("bytes_total").asLong() - progress.path("bytes_downloaded").asLong())
                        .as(progress.toString()).isEqualTo(missing);

                assertThat(api.post("/api/v1/models/download", KEY, "{\"model_name\": \"broken/tiny\"}").status())
                        .isEqualTo(202);
                JsonNode failed = awaitModel(api, "broken%2Ftiny", "error");
                assertThat(failed.get("error").asText()).contains("broken.safetensors failed its sha256 check");
            } finally {
                first.close();
            }
            hub.release();
            assertThat(hub.awaitHeldDone()).isTrue();

            // What the first gateway left: the partial file with every byte received, the request
            // (without the token), no model.
            long kept = Files.size(part);
            assertThat(kept).isEqualTo(weights.length / 2);
            Path record = folder.resolve("maltese-download-request.json");
            String recorded = Files.readString(record);
            assertThat(recorded).contains("\"state\" : \"downloading\"").contains("\"revision\" : \"main\"")
                    .contains(COMMIT).doesNotContain(TOKEN);
            assertThat(folder.resolve("refs")).doesNotExist();
            assertThat(folder.resolve("snapshots")).doesNotExist();

            ConfigurableApplicationContext second = start(data, hub, "second");
            try {
                TestApi api = new TestApi(port(second));
                JsonNode list = api.get("/api/v1/models", KEY).json();
                JsonNode interrupted = find(list, "private/llama");
                long total = 0;
                for (String file : List.of("config.json", "generation_config.json", WEIGHTS, "tokenizer.json",
                        "tokenizer_config.json")) {
                    total += Files.size(LLAMA.resolve(file));
                }
                // The four small files are complete, the weights half there.
                long onDisk = total - weights.length + kept;
                assertThat(interrupted.get("status").asText()).isEqualTo("error");
                assertThat(interrupted.get("error").asText()).isEqualTo("the download of private/llama was interrupted "
                        + "by a restart of the gateway with " + onDisk + " of " + total + " bytes on disk ("
                        + DownloadManager.human(onDisk) + " of " + DownloadManager.human(total)
                        + "); send the same download request again to continue from there");
                assertThat(interrupted.at("/download/status").asText()).isEqualTo("interrupted");
                assertThat(interrupted.at("/download/bytes_total").asLong()).isEqualTo(total);
                assertThat(interrupted.at("/download/bytes_downloaded").asLong()).isEqualTo(onDisk);
                assertThat(interrupted.at("/download/files_done").asInt()).isEqualTo(4);
                assertThat(interrupted.at("/download/revision").asText()).isEqualTo(COMMIT);
                assertThat(interrupted.at("/download/requested_revision").asText()).isEqualTo("main");
                JsonNode stillBroken = find(list, "broken/tiny");
                assertThat(stillBroken.get("status").asText()).isEqualTo("error");
                assertThat(stillBroken.get("error").asText()).contains("broken.safetensors failed its sha256 check");

                Reply load = api.post("/api/v1/models/private%2Fllama/load", KEY, null);
                assertThat(load.status()).isEqualTo(409);
                assertThat(load.json().get("message").asText()).contains("was interrupted by a restart");

                int before = hub.requestsFor("cdn GET").size();
                long sentBefore = hub.bytesSent(WEIGHTS);
                Reply again = api.post("/api/v1/models/download", KEY, request);
                assertThat(again.status()).as(again.body()).isEqualTo(202);
                assertThat(again.json().get("joined").asBoolean()).isFalse();
                // The answer counts what is on disk already.
                assertThat(again.json().get("bytes_downloaded").asLong()).isGreaterThanOrEqualTo(onDisk);
                JsonNode done = awaitModel(api, "private%2Fllama", "available");
                assertThat(done.at("/download/status").asText()).isEqualTo("completed");

                // Exactly one new CDN request, for the missing bytes only, from the byte the partial file ended at.
                List<String> cdn = hub.requestsFor("cdn GET");
                assertThat(cdn.subList(before, cdn.size())).singleElement().asString()
                        .contains("/repos/" + FakeHub.sha256(weights)).endsWith("range=bytes=" + kept + "-");
                assertThat(hub.bytesSent(WEIGHTS) - sentBefore).isEqualTo(weights.length - kept);
                assertThat(Files.readAllBytes(folder.resolve("snapshots").resolve(COMMIT).resolve(WEIGHTS))).isEqualTo(weights);
                assertThat(record).doesNotExist();
                assertThat(part).doesNotExist();

                // The failed one is deleted with its record; nothing of it stays listed.
                Reply delete = api.send(api.request("/api/v1/models/broken%2Ftiny", KEY).DELETE());
                assertThat(delete.status()).as(delete.body()).isEqualTo(200);
                assertThat(data.resolve("models/models--broken--tiny")).doesNotExist();
                assertThat(api.get("/api/v1/models/broken%2Ftiny", KEY).status()).isEqualTo(404);
            } finally {
                second.close();
            }
            try (Stream<Path> walk = Files.walk(data)) {
                for (Path p : walk.filter(Files::isRegularFile).toList()) {
                    assertThat(new String(Files.readAllBytes(p), StandardCharsets.ISO_8859_1)).as(p.toString())
                            .doesNotContain(TOKEN);
                }
            }
        }
    }

    static JsonNode awaitModel(TestApi api, String encodedId, String status) throws InterruptedException {
        Reply reply = null;
        for (int i = 0; i < 3000; i++) {
            reply = api.get("/api/v1/models/" + encodedId, KEY);
            if (reply.status() == 200 && reply.json().get("status").asText().equals(status)) {
                return reply.json();
            }
            Thread.sleep(10);
        }
        throw new AssertionError(encodedId + " never reached " + status + ": " + (reply == null ? "" : reply.body()));
    }

    static JsonNode find(JsonNode list, String id) {
        for (JsonNode model : list.get("models")) {
            if (model.get("id").asText().equals(id)) {
                return model;
            }
        }
        throw new AssertionError(id + " not listed in " + list);
    }

    /** A gateway over {@code data}, its Hub at {@code hub}; see ParameterPersistenceTest for why arguments. */
    static ConfigurableApplicationContext start(Path data, FakeHub hub, String name) {
        SpringApplicationBuilder builder = new SpringApplicationBuilder(MalteseGatewayApplication.class);
        SpringApplication application = builder.application();
        application.setListeners(application.getListeners().stream()
                .filter(listener -> !(listener instanceof LoggingApplicationListener)).toList());
        return builder.run(
                "--server.port=0",
                "--gateway.data-dir=" + data,
                "--gateway.security.api-keys=" + KEY,
                "--gateway.hub.endpoint=" + hub.endpoint(),
                "--gateway.hub.initial-backoff=10ms",
                "--gateway.hub.max-backoff=50ms",
                "--camel.springboot.name=hub-restart-" + name,
                "--camel.main.jmx-enabled=false");
    }

    static int port(ConfigurableApplicationContext context) {
        return ((WebServerApplicationContext) context).getWebServer().getPort();
    }
}
