package com.cryptomaltese.gateway.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;

import com.cryptomaltese.gateway.api.ApiException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class ModelIdTest {

    @ParameterizedTest
    @CsvSource({
            "HuggingFaceTB/SmolLM2-135M-Instruct, HuggingFaceTB, SmolLM2-135M-Instruct, models--HuggingFaceTB--SmolLM2-135M-Instruct",
            "gpt2, , gpt2, models--gpt2",
            "meta-llama/Llama-3.2-1B, meta-llama, Llama-3.2-1B, models--meta-llama--Llama-3.2-1B",
            "Qwen/Qwen2.5-0.5B-Instruct, Qwen, Qwen2.5-0.5B-Instruct, models--Qwen--Qwen2.5-0.5B-Instruct",
            "org_1/name_v1.5, org_1, name_v1.5, models--org_1--name_v1.5"})
    void hubIdsParseAndMapToTheHubCacheFolder(String id, String org, String name, String folder) {
        ModelId parsed = ModelId.parse(id, "model_id");
        assertThat(parsed.org()).isEqualTo(org);
        assertThat(parsed.name()).isEqualTo(name);
        assertThat(parsed.toString()).isEqualTo(id);
        assertThat(parsed.cacheFolderName()).isEqualTo(folder);
        assertThat(ModelId.fromCacheFolderName(folder)).isEqualTo(parsed);
    }

    @ParameterizedTest
    @ValueSource(strings = {"..", "../etc", "a/..", "a/../b", "/etc/passwd", "a/b/c", "a//b", "a/", "/a", ".", "./a",
            "a/.", "a/.hidden", "a b", "a\\b", "a/b\u0000", "%2e%2e", "C:\\x", "a/b?c", "~/x", " ",
            "test--stories", "org/a--b", "a--b/c", "a-/b", "a/-b", "-a/b", "a/b-", "-gpt2"})
    void refusesAnythingThatIsNotOrgSlashName(String id) {
        assertThatThrownBy(() -> ModelId.parse(id, "model_id"))
                .isInstanceOfSatisfying(ApiException.class, e -> {
                    assertThat(e.status()).isEqualTo(400);
                    assertThat(e.details()).singleElement().satisfies(d -> assertThat(d.field()).isEqualTo("model_id"));
                });
    }

    /** "test--stories" named the folder of "test/stories" (models--test--stories): deleting it deleted that model. */
    @Test
    void noTwoIdsShareACacheFolder() {
        assertThatThrownBy(() -> ModelId.parse("test--stories", "model_id")).hasMessageContaining("'--'");
        assertThat(ModelId.fromCacheFolderName("models--test--stories")).isEqualTo(new ModelId("test", "stories"));
    }

    @Test
    void refusesMissingAndOverlongIds() {
        assertThatThrownBy(() -> ModelId.parse(null, "model_name")).hasMessageContaining("model_name is required");
        assertThatThrownBy(() -> ModelId.parse("a".repeat(201), "model_id")).hasMessageContaining("longer than 200");
    }

    @Test
    void pathSegmentsAreDecodedExactlyOnce() {
        assertThat(ModelId.fromPath("org%2Fname")).isEqualTo(new ModelId("org", "name"));
        assertThat(ModelId.fromPath("org%2fname")).isEqualTo(new ModelId("org", "name"));
        // A double-encoded slash stays encoded after one decoding and is refused, not decoded twice.
        assertThatThrownBy(() -> ModelId.fromPath("org%252Fname")).isInstanceOf(ApiException.class);
        assertThatThrownBy(() -> ModelId.fromPath("%2E%2E%2Fetc")).isInstanceOf(ApiException.class);
        assertThatThrownBy(() -> ModelId.fromPath("bad%zz")).hasMessageContaining("URL-encoded");
    }

    @Test
    void cacheFolderStaysInsideTheModelsDirectory() {
        Path models = Path.of("/data/models");
        assertThat(ModelId.parse("org/name", "id").cacheFolderIn(models))
                .isEqualTo(Path.of("/data/models/models--org--name"));
    }

    @Test
    void foldersThatAreNotModelsAreIgnored() {
        assertThat(ModelId.fromCacheFolderName("datasets--org--name")).isNull();
        assertThat(ModelId.fromCacheFolderName("models--a--b--c")).isNull();
        assertThat(ModelId.fromCacheFolderName("models--..")).isNull();
    }
}
