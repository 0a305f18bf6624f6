package com.cryptomaltese.gateway.engine.arch;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

import com.cryptomaltese.gateway.engine.djl.DjlEngine;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A Llama whose config.json says its output layer is its own ({@code tie_word_embeddings: false}) but
 * whose weights have none: transformers would start it from random weights, so the check refuses it,
 * naming the tensor, before a loaded model is given up (it used to answer with the embedding tied).
 */
class UntiedOutputLayerTest {

    @TempDir
    Path dir;

    @Test
    void aMissingLmHeadIsRefusedWhenTheConfigSaysUntied() throws IOException {
        Path fixture = Path.of("src/test/resources/fixtures/models/llama-sharded");
        try (Stream<Path> files = Files.list(fixture)) {
            for (Path file : files.toList()) {
                Files.copy(file, dir.resolve(file.getFileName()));
            }
        }
        ObjectMapper json = new ObjectMapper();
        Path index = dir.resolve("model.safetensors.index.json");
        ObjectNode withoutLmHead = (ObjectNode) json.readTree(index.toFile());
        ((ObjectNode) withoutLmHead.get("weight_map")).remove("lm_head.weight");
        Files.writeString(index, withoutLmHead.toString());

        assertThatThrownBy(() -> new DjlEngine().check(dir)).isInstanceOf(IOException.class)
                .hasMessageContaining("lm_head.weight");
    }
}
