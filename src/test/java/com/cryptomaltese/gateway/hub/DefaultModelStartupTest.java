package com.cryptomaltese.gateway.hub;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import com.cryptomaltese.gateway.TestApi;
import com.cryptomaltese.gateway.TestData;
import com.cryptomaltese.gateway.model.ModelId;
import com.fasterxml.jackson.databind.JsonNode;
import org.apache.camel.test.spring.junit5.CamelSpringBootTest;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.util.unit.DataSize;

/**
 * A cache written by one download is read by a gateway started afterwards, which loads it at
 * start-up as GATEWAY_DEFAULT_MODEL and lists its download record.
 */
@CamelSpringBootTest
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "gateway.data-dir=" + DefaultModelStartupTest.DATA, "gateway.security.api-keys=" + TestApi.USER_KEY,
        "gateway.default-model=warm/llama", "gateway.hub.endpoint=http://127.0.0.1:9"})
class DefaultModelStartupTest {

    static final String DATA = "target/test-data/hub-restart";
    static final Path DATA_DIR = TestData.freshDataDir(DATA);
    static final String COMMIT = "00aa11bb22cc33dd44ee55ff66aa77bb88cc99dd";
    static final Path LLAMA = Path.of("src/test/resources/fixtures/models/llama").toAbsolutePath();

    static {
        // The first "gateway": a download into the data dir, before this one starts.
        try (FakeHub hub = new FakeHub()) {
            hub.addFolder("warm/llama", COMMIT, LLAMA, null);
            DownloadManager first = new DownloadManager(new HubProperties(hub.endpoint(), null, 2, 2,
                    Duration.ofMillis(5), Duration.ofMillis(20), Duration.ofSeconds(5), Duration.ofSeconds(10),
                    DataSize.ofKilobytes(1), null, null), DATA_DIR.resolve("models"), id -> false);
            ModelId id = ModelId.parse("warm/llama", "m");
            first.start(id, null, null, null, null);
            for (int i = 0; i < 3000 && first.downloading(id); i++) {
                Thread.sleep(10);
            }
            if (!first.progress(id).orElseThrow().status().equals("completed")) {
                throw new IllegalStateException("fixture download failed: " + first.progress(id));
            }
            first.shutdown();
        } catch (InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    @LocalServerPort
    int port;

    @Test
    void theDefaultModelIsLoadedAtStartUpWithItsDownloadRecordListed() throws Exception {
        TestApi api = new TestApi(port);
        JsonNode list = null;
        for (int i = 0; i < 3000; i++) {
            list = api.get("/api/v1/models", TestApi.USER_KEY).json();
            if (list.get("loaded_model").asText("").equals("warm/llama")) {
                break;
            }
            Thread.sleep(10);
        }
        assertThat(list.get("loaded_model").asText()).as(list.toString()).isEqualTo("warm/llama");
        JsonNode model = list.get("models").get(0);
        assertThat(model.get("id").asText()).isEqualTo("warm/llama");
        assertThat(model.get("status").asText()).isEqualTo("loaded");
        assertThat(model.get("revision").asText()).isEqualTo(COMMIT);
        assertThat(model.get("format").asText()).isEqualTo("safetensors");
        assertThat(model.get("downloaded_at").asText()).endsWith("Z");
        byte[] weights = Files.readAllBytes(LLAMA.resolve("model.safetensors"));
        assertThat(model.get("files").findValuesAsText("sha256")).contains(FakeHub.sha256(weights));
        assertThat(model.has("download")).isFalse();
        // Our record sits beside blobs/ and snapshots/, never inside the snapshot.
        Path folder = DATA_DIR.resolve("models/models--warm--llama");
        assertThat(folder.resolve("maltese-download.json")).exists();
        assertThat(folder.resolve("snapshots").resolve(COMMIT).resolve("maltese-download.json")).doesNotExist();
        assertThat(api.post("/api/v1/chat", TestApi.USER_KEY, "{\"message\": \"hi\", \"parameters\": {\"max_length\": 4}}")
                .status()).isEqualTo(200);
        assertThat(api.post("/api/v1/models/warm%2Fllama/unload", TestApi.USER_KEY, null).status()).isEqualTo(200);
    }
}
