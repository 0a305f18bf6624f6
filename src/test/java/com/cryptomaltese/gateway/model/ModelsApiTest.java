package com.cryptomaltese.gateway.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

import com.cryptomaltese.gateway.ApiTestBase;
import com.cryptomaltese.gateway.TestApi;
import com.cryptomaltese.gateway.TestApi.Reply;
import com.cryptomaltese.gateway.TestData;
import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The model endpoints against folders in the Hugging Face cache layout, before any engine exists. */
class ModelsApiTest extends ApiTestBase {

    private static final String CONFIG_BYTES = """
            {"model_type": "llama", "architectures": ["LlamaForCausalLM"], "num_hidden_layers": 2}""";

    @BeforeAll
    static void modelsOnDisk() throws IOException {
        Path models = modelsDir();
        TestData.hubModel(models, "list-org", "safe-model", "a1b2c3", "model.safetensors", 1000);
        TestData.hubModel(models, "list-org", "gguf-model", "d4e5f6", "model-Q8_0.gguf", 300);
        TestData.hubModel(models, "list-org", "zeroed-weights", "e7e7e7", "model.safetensors", 1000);
        TestData.hubModel(models, "list-org", "tflite-model", "f8f8f8", "model.tflite", 100);
        Path noConfig = TestData.hubModel(models, "list-org", "no-config", "a9a9a9", "model.safetensors", 100);
        Files.delete(noConfig.resolve("snapshots/a9a9a9/config.json"));
        // Folders whose current snapshot cannot be used: refs/main names one that is not there, or it is empty.
        Path broken = TestData.hubModel(models, "list-org", "broken-model", "0000", "model.safetensors", 10);
        Files.writeString(broken.resolve("refs/main"), "ffff");
        Path dangling = TestData.hubModel(models, "list-org", "dangling-model", "1111", "model.safetensors", 10);
        Files.writeString(dangling.resolve("refs/main"), "eeee");
        ggufOnly(models, "empty-snapshot");
        // Its blobs deleted under it: the snapshot's links lead nowhere.
        Files.createSymbolicLink(ggufOnly(models, "blobs-gone").resolve("model.safetensors"),
                Path.of("../../blobs/0123456789abcdef"));
        // A first download's folder before its snapshot is in place: no refs, the snapshot still hidden.
        Path arriving = models.resolve("models--list-org--arriving");
        Files.createDirectories(arriving.resolve("snapshots/.c0ffee-1.tmp"));
        Files.createDirectories(arriving.resolve("blobs"));
        Files.write(arriving.resolve("blobs/" + "ab".repeat(32) + ".incomplete"), new byte[10]);
        // Not models at all.
        Files.createDirectories(models.resolve("datasets--list-org--data/snapshots/x"));
        Files.writeString(models.resolve("version.txt"), "1");
        // GGUF-only folders (no config.json): described from the GGUF header; malformed files skipped.
        Path storiesGguf = Path.of("../shared/models/stories260K/gguf/stories260K.gguf").toAbsolutePath().normalize();
        TestData.linkHubModel(models.getParent(), storiesGguf.getParent(), "list-org", "stories-gguf");
        Path mixed = ggufOnly(models, "mixed-gguf");
        Files.write(mixed.resolve("a-broken.gguf"), "GGUX-not-a-gguf-header-at-all".getBytes());
        Files.createSymbolicLink(mixed.resolve("b-stories.gguf"), storiesGguf);
        Files.write(ggufOnly(models, "bad-gguf").resolve("model.gguf"),
                new byte[] {'G', 'G', 'U', 'F', 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0});
    }

    /** An empty snapshot folder of a model {@code list-org/name}, for GGUF files only. */
    private static Path ggufOnly(Path models, String name) throws IOException {
        Path folder = models.resolve("models--list-org--" + name);
        Files.createDirectories(folder.resolve("refs"));
        Files.writeString(folder.resolve("refs/main"), "c0ffee");
        return Files.createDirectories(folder.resolve("snapshots/c0ffee"));
    }

    @Test
    void ggufOnlyModelsAreDescribedFromTheirHeader() {
        JsonNode body = api.get("/api/v1/models", TestApi.USER_KEY).json();
        // stories260K.gguf: llama, GGUF v3, all F32, llama.context_length 512 (values of the gguf Python package)
        assertThat(model(body, "list-org/stories-gguf").get("description").asText())
                .isEqualTo("llama (GGUF v3, F32, context 512)");
        assertThat(model(body, "list-org/stories-gguf").get("format").asText()).isEqualTo("gguf");
        assertThat(model(body, "list-org/stories-gguf").get("engine").asText()).isEqualTo("llama.cpp");
        assertThat(model(body, "list-org/stories-gguf").get("quantisation").asText()).isEqualTo("F32");
        // the malformed file sorts first and is skipped; the valid one describes the model
        assertThat(model(body, "list-org/mixed-gguf").get("description").asText())
                .isEqualTo("llama (GGUF v3, F32, context 512)");
        // only a malformed (version 1) file: still listed, but nothing from its header
        JsonNode bad = model(body, "list-org/bad-gguf");
        assertThat(bad.get("format").asText()).isEqualTo("gguf");
        assertThat(bad.hasNonNull("description")).isFalse();
    }

    @Test
    void listsModelsOnDiskWithEveryField() {
        Reply reply = api.get("/api/v1/models", TestApi.USER_KEY);
        assertThat(reply.status()).isEqualTo(200);
        JsonNode body = reply.json();
        assertThat(body.get("loaded_model").isNull()).isTrue();
        JsonNode safe = model(body, "list-org/safe-model");
        assertThat(safe.get("name").asText()).isEqualTo("safe-model");
        assertThat(safe.get("status").asText()).isEqualTo("available");
        assertThat(safe.get("description").asText()).isEqualTo("llama model (LlamaForCausalLM), 2 layers");
        assertThat(safe.get("format").asText()).isEqualTo("safetensors");
        assertThat(safe.get("engine").asText()).isEqualTo("djl-pytorch");
        assertThat(safe.has("quantisation")).isFalse(); // its config.json names no dtype
        // Size counts the blobs the snapshot's symlinks point to: config.json plus the weights.
        assertThat(safe.get("size").isIntegralNumber()).isTrue();
        assertThat(safe.get("size").asLong()).isEqualTo(CONFIG_BYTES.length() + 1000);
        assertThat(safe.get("source").asText()).isEqualTo("huggingface");
        assertThat(safe.get("revision").asText()).isEqualTo("a1b2c3");
        assertThat(safe.get("parameters").get("temperature").asDouble()).isEqualTo(0.7);
        assertThat(safe.get("parameters").size()).isEqualTo(9);
        assertThat(safe.has("loaded_at")).isFalse();

        assertThat(model(body, "list-org/gguf-model").get("format").asText()).isEqualTo("gguf");
        assertThat(body.get("models").findValuesAsText("id")).doesNotContain("list-org/data");
    }

    /**
     * A folder whose current snapshot cannot be used is listed as an error saying why, with nothing
     * that only its files could tell; a download's folder before its snapshot is in place is not one.
     */
    @Test
    void aFolderWithNoUsableSnapshotIsListedAsAnErrorSayingWhy() {
        JsonNode body = api.get("/api/v1/models", TestApi.USER_KEY).json();
        JsonNode broken = model(body, "list-org/broken-model");
        assertThat(broken.get("status").asText()).isEqualTo("error");
        assertThat(broken.get("error").asText()).isEqualTo("refs/main names snapshot ffff, which is not on disk");
        assertThat(broken.get("name").asText()).isEqualTo("broken-model");
        assertThat(broken.get("size").asLong()).isZero();
        for (String unknown : new String[] {"format", "engine", "revision", "description", "loaded_at", "files"}) {
            assertThat(broken.has(unknown)).as(unknown).isFalse();
        }
        assertThat(model(body, "list-org/empty-snapshot").get("error").asText()).isEqualTo("snapshot c0ffee holds no files");
        assertThat(model(body, "list-org/blobs-gone").get("error").asText())
                .isEqualTo("snapshot c0ffee holds only links to files that are not on disk (blobs deleted?)");
        assertThat(body.get("models").findValuesAsText("id")).doesNotContain("list-org/arriving");

        Reply one = api.get("/api/v1/models/list-org%2Fbroken-model", TestApi.USER_KEY);
        assertThat(one.status()).as(one.body()).isEqualTo(200);
        assertThat(one.json().get("status").asText()).isEqualTo("error");
        assertThat(one.json().get("error").asText()).isEqualTo("refs/main names snapshot ffff, which is not on disk");
        assertError(api.get("/api/v1/models/list-org%2Farriving", TestApi.USER_KEY), 404, "not on disk");
    }

    @Test
    void loadOfAFolderWithNoUsableSnapshotIs409SayingWhy() {
        assertError(api.post("/api/v1/models/list-org%2Fbroken-model/load", TestApi.USER_KEY, null), 409,
                "model list-org/broken-model cannot be loaded: refs/main names snapshot ffff, which is not on disk");
    }

    /** Deleted as any model is, rather than only by a cleanup of every model. */
    @Test
    void deleteRemovesAFolderWithNoUsableSnapshot() {
        Reply deleted = api.send(api.request("/api/v1/models/list-org%2Fdangling-model", TestApi.USER_KEY).DELETE());
        assertThat(deleted.status()).as(deleted.body()).isEqualTo(200);
        assertThat(deleted.json().get("status").asText()).isEqualTo("success");
        assertThat(deleted.json().get("message").asText()).isEqualTo("model list-org/dangling-model deleted from disk");
        assertThat(modelsDir().resolve("models--list-org--dangling-model")).doesNotExist();
        assertThat(api.get("/api/v1/models", TestApi.USER_KEY).json().get("models").findValuesAsText("id"))
                .doesNotContain("list-org/dangling-model");
        assertThat(api.get("/api/v1/models/list-org%2Fdangling-model", TestApi.USER_KEY).status()).isEqualTo(404);
    }

    /** A folder no engine takes is its own fault, not a passing state: 409 with what it lacks, status error. */
    @Test
    void aFolderNoEngineTakesIs409SayingWhatItLacks() throws IOException {
        assertError(api.post("/api/v1/models/list-org%2Ftflite-model/load", TestApi.USER_KEY, null), 409,
                "model list-org/tflite-model cannot be loaded: its folder holds no weights in a format the gateway "
                        + "runs (safetensors, gguf, onnx, pytorch, torchscript)");
        JsonNode listed = model(api.get("/api/v1/models", TestApi.USER_KEY).json(), "list-org/tflite-model");
        assertThat(listed.get("status").asText()).isEqualTo("error");
        assertThat(listed.has("engine")).isFalse();

        assertError(api.post("/api/v1/models/list-org%2Fno-config/load", TestApi.USER_KEY, null), 409,
                "model list-org/no-config cannot be loaded: its folder has no config.json, which describes the "
                        + "architecture its safetensors weights need");
        assertThat(model(api.get("/api/v1/models", TestApi.USER_KEY).json(), "list-org/no-config").get("status").asText())
                .isEqualTo("error");
        // The folder changes: the old reason no longer holds.
        Files.writeString(modelsDir().resolve("models--list-org--no-config/snapshots/a9a9a9/config.json"), "{}");
        JsonNode fixed = model(api.get("/api/v1/models", TestApi.USER_KEY).json(), "list-org/no-config");
        assertThat(fixed.get("status").asText()).isEqualTo("available");
        assertThat(fixed.has("error")).isFalse();
    }

    /** A reason a user key sees names the model's files, never where the gateway keeps them. */
    @Test
    void aFailedLoadDoesNotShowTheDataDirectory() throws IOException {
        Path noTokenizer = TestData.hubModel(modelsDir(), "list-org", "no-tokenizer", "b1b1b1", "model.safetensors", 8);
        Path snapshot = noTokenizer.resolve("snapshots/b1b1b1");
        Files.delete(snapshot.resolve("model.safetensors"));
        Files.copy(TestData.STORIES.resolve("model.safetensors"), snapshot.resolve("model.safetensors"));
        Files.copy(TestData.STORIES.resolve("config.json"), snapshot.resolve("config.json"), StandardCopyOption.REPLACE_EXISTING);
        Reply reply = api.post("/api/v1/models/list-org%2Fno-tokenizer/load", TestApi.USER_KEY, null);
        assertError(reply, 409, "model list-org/no-tokenizer cannot be loaded: No tokenizer.json in the model's folder");
        assertThat(reply.body()).doesNotContain(DATA_DIR.toAbsolutePath().toString());
        JsonNode listed = model(api.get("/api/v1/models", TestApi.USER_KEY).json(), "list-org/no-tokenizer");
        assertThat(listed.get("error").asText()).doesNotContain(DATA_DIR.toAbsolutePath().toString());
    }

    /** 300 zero bytes named .gguf: refused by the Java header reader, before llama.cpp sees the file. */
    @Test
    void aMalformedGgufIsRefusedBeforeNativeCode() {
        Reply reply = api.post("/api/v1/models/list-org%2Fgguf-model/load", TestApi.USER_KEY, null);
        assertError(reply, 409, "model list-org/gguf-model cannot be loaded: GGUF file model-Q8_0.gguf is malformed: ");
        assertThat(reply.json().get("message").asText()).contains("bad magic");
        assertThat(api.get("/api/v1/health", null).json().get("status").asText()).isEqualTo("healthy");
    }

    @Test
    void aModelWhoseFilesAreBrokenIs409WithTheReasonAndStatusError() {
        // The weights file is 1000 zero bytes: no valid safetensors header.
        Reply reply = api.post("/api/v1/models/list-org%2Fzeroed-weights/load", TestApi.USER_KEY, null);
        assertError(reply, 409, "model list-org/zeroed-weights cannot be loaded: ");
        assertThat(reply.json().get("message").asText()).contains("model.safetensors");
        JsonNode listed = model(api.get("/api/v1/models", TestApi.USER_KEY).json(), "list-org/zeroed-weights");
        assertThat(listed.get("status").asText()).isEqualTo("error");
        assertThat(listed.get("error").asText()).contains("model.safetensors");
        assertThat(api.get("/api/v1/health", null).json().get("model_loaded").asBoolean()).isFalse();
    }

    @Test
    void loadOfAModelNotOnDiskIs404() {
        assertError(api.post("/api/v1/models/list-org%2Fmissing/load", TestApi.USER_KEY, null), 404,
                "model list-org/missing is not on disk");
        assertError(api.post("/api/v1/models/list-org%2Farriving/load", TestApi.USER_KEY, null), 404,
                "model list-org/arriving is not on disk");
    }

    @Test
    void invalidIdsAre400AndNameTheField() {
        for (String id : new String[] {"..", "a%2F..%2Fb", "a%2Fb%2Fc", "%2Fetc%2Fpasswd", "a%20b", "org%252Fname"}) {
            Reply reply = api.post("/api/v1/models/" + id + "/load", TestApi.USER_KEY, null);
            assertThat(reply.status()).as(id + ": " + reply.body()).isIn(400, 404);
            assertThat(reply.json().get("status").asText()).isEqualTo("error");
            if (reply.status() == 400) {
                assertThat(reply.json().at("/details/0/field").asText()).as(id).isIn("model_id", "");
            }
        }
        Reply traversal = api.post("/api/v1/models/a%2F..%2Fb/load", TestApi.USER_KEY, null);
        assertError(traversal, 400, "model_id");
    }

    @Test
    void anUnencodedSlashIsNotAModelId() {
        Reply reply = api.post("/api/v1/models/list-org/safe-model/load", TestApi.USER_KEY, null);
        assertError(reply, 404, "no such endpoint");
    }

    @Test
    void unloadOfAModelNotLoadedIs409() {
        assertError(api.post("/api/v1/models/list-org%2Fsafe-model/unload", TestApi.USER_KEY, null), 409,
                "model list-org/safe-model is not loaded (no model is loaded)");
    }

    @Test
    void downloadRequestsAreValidatedBeforeAnythingIsFetched() {
        for (String evil : new String[] {"../../etc/passwd", "/etc/passwd", "org/../x", "a/b/c", "..", "org/name:Q4/../x"}) {
            Reply reply = api.post("/api/v1/models/download", TestApi.USER_KEY,
                    "{\"model_name\": \"" + evil + "\"}");
            assertThat(reply.status()).as(evil).isEqualTo(400);
            assertThat(reply.json().at("/details/0/field").asText()).as(evil).isEqualTo("model_name");
        }
        Reply format = api.post("/api/v1/models/download", TestApi.USER_KEY,
                "{\"model_name\": \"org/name\", \"model_format\": \"tflite\"}");
        assertError(format, 400, "model_format must be one of safetensors, gguf, pytorch, onnx; got 'tflite'");
        Reply quant = api.post("/api/v1/models/download", TestApi.USER_KEY,
                "{\"model_name\": \"org/name:Q4_K_M\", \"model_format\": \"onnx\"}");
        assertError(quant, 400, "names a quantisation (:Q4_K_M), which only gguf has");
        assertError(api.post("/api/v1/models/download", TestApi.USER_KEY, "{\"model_format\": \"gguf\"}"), 400,
                "model_name is required");
    }

    @Test
    void getAndDeleteOfAnUnknownModelAre404() {
        assertError(api.get("/api/v1/models/list-org%2Fnothing", TestApi.USER_KEY), 404,
                "model list-org/nothing is not on disk and not being downloaded");
        assertError(api.send(api.request("/api/v1/models/list-org%2Fnothing", TestApi.USER_KEY).DELETE()), 404,
                "model list-org/nothing is not on disk and not being downloaded");
        Reply one = api.get("/api/v1/models/list-org%2Fsafe-model", TestApi.USER_KEY);
        assertThat(one.status()).isEqualTo(200);
        assertThat(one.json().get("status").asText()).isEqualTo("available");
        assertThat(one.json().get("revision").asText()).isEqualTo("a1b2c3");
        // A model put there by huggingface-cli has no download record.
        assertThat(one.json().has("downloaded_at")).isFalse();
    }

    private static JsonNode model(JsonNode list, String id) {
        for (JsonNode model : list.get("models")) {
            if (model.get("id").asText().equals(id)) {
                return model;
            }
        }
        throw new AssertionError(id + " not listed in " + list);
    }
}
