package com.cryptomaltese.gateway.engine.torchscript;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import com.cryptomaltese.gateway.TestApi;
import com.cryptomaltese.gateway.TestApi.Reply;
import com.cryptomaltese.gateway.TestData;
import com.cryptomaltese.gateway.engine.exported.ExportedChatChecks;
import com.fasterxml.jackson.databind.JsonNode;
import org.apache.camel.test.spring.junit5.CamelSpringBootTest;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;

/**
 * Traced models in the data dir's Hugging Face cache layout (snapshot files are symlinks), loaded and
 * chatted with through /api/v1: the reply is transformers' text for the original model. A traced
 * {@code model.pt} whose folder does not opt in is listed as pytorch and its load refused, saying why.
 */
@CamelSpringBootTest
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "gateway.data-dir=" + TorchScriptChatApiTest.DATA, "gateway.security.api-keys=" + TestApi.USER_KEY})
class TorchScriptChatApiTest {

    static final String DATA = "target/test-data/torchscript-chat";
    static final Path DATA_DIR = TestData.freshDataDir(DATA);
    static final String GPT2 = "/api/v1/models/fixtures%2Fgpt2-torchscript";

    @LocalServerPort
    int port;
    TestApi api;

    @BeforeAll
    static void modelsInHubCacheLayout() throws IOException {
        TestData.linkHubModel(DATA_DIR, TorchScriptGoldenTest.TORCHSCRIPT.resolve("gpt2"), "fixtures", "gpt2-torchscript");

        Path unapproved = Files.createDirectories(DATA_DIR.resolve("sources/unapproved"));
        for (String file : TorchScriptFolderTest.TEXT_FILES) {
            Files.copy(TorchScriptFolderTest.TRACED.resolve(file), unapproved.resolve(file));
        }
        Files.copy(TorchScriptFolderTest.TRACED.resolve("model.torchscript"), unapproved.resolve("model.pt"));
        TestData.linkHubModel(DATA_DIR, unapproved, "fixtures", "traced-pt");
    }

    @BeforeEach
    void client() {
        api = new TestApi(port);
    }

    @Test
    void aTracedModelAnswersAsTransformersAndIsListedWithItsEngine() throws IOException {
        ExportedChatChecks.answersAsTransformers(api, "fixtures/gpt2-torchscript", "gpt2", "djl-torchscript", "torchscript");
    }

    @Test
    void aTracedPtWithoutTheOptInIsRefusedSayingWhyAndTheGatewayCarriesOn() throws IOException {
        JsonNode listed = model("fixtures/traced-pt");
        assertThat(listed.get("format").asText()).isEqualTo("pytorch");
        assertThat(listed.get("engine").asText()).isEqualTo("djl-torchscript");

        Reply load = api.post("/api/v1/models/fixtures%2Ftraced-pt/load", TestApi.USER_KEY, null);
        assertThat(load.status()).as(load.body()).isEqualTo(409);
        assertThat(load.json().get("status").asText()).isEqualTo("error");
        assertThat(load.json().get("message").asText()).isEqualTo("model fixtures/traced-pt cannot be loaded: "
                + "model.pt is a TorchScript program, not a state dict: TorchScript runs code, so it is loaded only "
                + "when the model folder opts in with a torchscript.json naming it ({\"file\": \"model.pt\"})");
        assertThat(model("fixtures/traced-pt").get("status").asText()).isEqualTo("error");

        Reply good = api.post(GPT2 + "/load", TestApi.USER_KEY, null);
        assertThat(good.status()).as(good.body()).isEqualTo(200);
        api.post(GPT2 + "/unload", TestApi.USER_KEY, null);
    }

    private JsonNode model(String id) {
        return ExportedChatChecks.listed(api, id);
    }
}
