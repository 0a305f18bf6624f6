package com.cryptomaltese.gateway.engine.onnx;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import com.cryptomaltese.gateway.TestApi;
import com.cryptomaltese.gateway.TestApi.Reply;
import com.cryptomaltese.gateway.TestData;
import com.cryptomaltese.gateway.engine.exported.ExportedChatChecks;
import com.cryptomaltese.gateway.engine.exported.Goldens;
import com.fasterxml.jackson.databind.JsonNode;
import org.apache.camel.test.spring.junit5.CamelSpringBootTest;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;

/**
 * ONNX models in the data dir's Hugging Face cache layout (snapshot files are symlinks, the graph's
 * external data found through them), loaded and chatted with through /api/v1: the reply is
 * transformers' text for the original model; the load picks the engine from the files on disk.
 */
@CamelSpringBootTest
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "gateway.data-dir=" + OnnxChatApiTest.DATA, "gateway.security.api-keys=" + TestApi.USER_KEY})
class OnnxChatApiTest {

    static final String DATA = "target/test-data/onnx-chat";
    static final Path DATA_DIR = TestData.freshDataDir(DATA);
    static final String LLAMA = "/api/v1/models/fixtures%2Fllama-onnx";

    @LocalServerPort
    int port;
    TestApi api;

    @BeforeAll
    static void modelsInHubCacheLayout() throws IOException {
        TestData.linkHubModel(DATA_DIR, OnnxFixtures.ONNX.resolve("llama"), "fixtures", "llama-onnx");

        // The safetensors original with the ONNX export beside it: safetensors stay on the DJL engine.
        Path both = TestData.linkHubModel(DATA_DIR, Goldens.MODELS.resolve("llama"), "fixtures", "llama-both")
                .resolve("snapshots/0123abcd");
        for (String file : new String[] {"model.onnx", "model.onnx_data"}) {
            Files.createSymbolicLink(both.resolve(file), OnnxFixtures.ONNX.resolve("llama").resolve(file));
        }

        Path broken = Files.createDirectories(DATA_DIR.resolve("sources/broken"));
        for (String file : new String[] {"config.json", "generation_config.json", "tokenizer.json",
                "tokenizer_config.json"}) {
            Files.copy(OnnxFixtures.ONNX.resolve("gpt2").resolve(file), broken.resolve(file));
        }
        // Well-formed protobuf (ir_version 7) but no graph: past our own checks, refused by ONNX Runtime.
        Files.write(broken.resolve("model.onnx"), new byte[] {0x08, 0x07});
        TestData.linkHubModel(DATA_DIR, broken, "fixtures", "broken-onnx");
    }

    @BeforeEach
    void client() {
        api = new TestApi(port);
    }

    @Test
    void onnxModelAnswersAsTransformersAndIsListedWithItsEngine() throws IOException {
        ExportedChatChecks.answersAsTransformers(api, "fixtures/llama-onnx", "llama", "djl-onnxruntime", "onnx");
        // Unloaded, the list still names the engine that would run it.
        JsonNode unloaded = model("fixtures/llama-onnx");
        assertThat(unloaded.get("status").asText()).isEqualTo("available");
        assertThat(unloaded.get("engine").asText()).isEqualTo("djl-onnxruntime");
    }

    @Test
    void aFolderWithSafetensorsBesideTheGraphRunsOnDjl() throws IOException {
        Reply load = api.post("/api/v1/models/fixtures%2Fllama-both/load", TestApi.USER_KEY, null);
        assertThat(load.status()).as(load.body()).isEqualTo(200);
        try {
            assertThat(load.json().get("engine").asText()).isEqualTo("djl-pytorch");
            assertThat(model("fixtures/llama-both").get("format").asText()).isEqualTo("safetensors");
        } finally {
            api.post("/api/v1/models/fixtures%2Fllama-both/unload", TestApi.USER_KEY, null);
        }
    }

    /** A graph ONNX Runtime cannot load: a clear error, the model marked as such, the gateway still serving. */
    @Test
    void aMalformedGraphIsALoadErrorAndTheGatewayCarriesOn() throws IOException {
        Reply load = api.post("/api/v1/models/fixtures%2Fbroken-onnx/load", TestApi.USER_KEY, null);
        assertThat(load.status()).as(load.body()).isEqualTo(409);
        assertThat(load.json().get("status").asText()).isEqualTo("error");
        assertThat(load.json().get("message").asText())
                .startsWith("model fixtures/broken-onnx cannot be loaded: model.onnx is not a readable ONNX model: ")
                .contains("ORT_")
                .doesNotContain(DATA_DIR.toString());
        JsonNode listed = model("fixtures/broken-onnx");
        assertThat(listed.get("status").asText()).isEqualTo("error");
        assertThat(listed.get("error").asText()).startsWith("model.onnx is not a readable ONNX model");

        assertThat(api.get("/api/v1/health", null).status()).isEqualTo(200);
        Reply good = api.post(LLAMA + "/load", TestApi.USER_KEY, null);
        assertThat(good.status()).as(good.body()).isEqualTo(200);
        api.post(LLAMA + "/unload", TestApi.USER_KEY, null);
    }

    private JsonNode model(String id) {
        return ExportedChatChecks.listed(api, id);
    }
}
