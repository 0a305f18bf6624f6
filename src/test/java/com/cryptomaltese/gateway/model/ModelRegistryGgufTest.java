package com.cryptomaltese.gateway.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;

import com.cryptomaltese.gateway.GatewayProperties;
import com.cryptomaltese.gateway.TestData;
import org.junit.jupiter.api.Test;

/** A GGUF header is summarised once per version of its file (size and time): a changed file is read again. */
class ModelRegistryGgufTest {

    @Test
    void aChangedGgufFileIsDescribedAnew() throws Exception {
        Path data = TestData.freshDataDir("target/test-data/registry-gguf");
        Path files = Files.createDirectories(data.resolve("files"));
        byte[] stories = Files.readAllBytes(Path.of("../shared/models/stories260K/gguf/stories260K.gguf"));
        Path gguf = files.resolve("model.gguf");
        Files.write(gguf, stories);
        TestData.linkHubModel(data, files, "org", "stories");
        ModelRegistry registry = new ModelRegistry(new GatewayProperties(data, null, null, null, null, null, null));
        ModelId id = ModelId.parse("org/stories", "model_id");

        assertThat(registry.find(id).orElseThrow().description()).isEqualTo("llama (GGUF v3, F32, context 512)");

        // Another context length in the same size, the time put back: the summary read before stands
        // (the header is not read again), which shows the cache is what answers.
        FileTime before = Files.getLastModifiedTime(gguf);
        int key = new String(stories, StandardCharsets.ISO_8859_1).indexOf("llama.context_length");
        int value = key + "llama.context_length".length() + 4;
        stories[value + 1] = 4; // 512 (0x0200) -> 1024 (0x0400)
        Files.write(gguf, stories);
        Files.setLastModifiedTime(gguf, before);
        assertThat(registry.find(id).orElseThrow().description()).isEqualTo("llama (GGUF v3, F32, context 512)");

        // A later time: a new version of the file, read again.
        Files.setLastModifiedTime(gguf, FileTime.from(Instant.now().plusSeconds(5)));
        assertThat(registry.find(id).orElseThrow().description()).isEqualTo("llama (GGUF v3, F32, context 1024)");
    }
}
