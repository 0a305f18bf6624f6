package com.cryptomaltese.gateway.engine.weights;

import static com.cryptomaltese.gateway.engine.weights.SafetensorsBuilder.bits16;
import static com.cryptomaltese.gateway.engine.weights.SafetensorsBuilder.f32;
import static com.cryptomaltese.gateway.engine.weights.SafetensorsBuilder.shape;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class SafetensorsModelTest {

    @TempDir
    Path root;

    private Path model;

    @Test
    void singleFileModel() throws Exception {
        model = Files.createDirectory(root.resolve("m"));
        new SafetensorsBuilder().tensor("w", "BF16", shape(2), bits16(0x3F80, 0x4000))
                .write(model.resolve("model.safetensors"));
        try (SafetensorsModel m = SafetensorsModel.open(model)) {
            assertThat(m.tensors()).containsOnlyKeys("w");
            assertThat(m.load("w")).containsExactly(1f, 2f);
        }
    }

    @Test
    void shardedCheckpointAcrossTwoShards() throws Exception {
        writeTwoShards();
        index("""
                {"metadata": {"total_size": 20},
                 "weight_map": {"embed": "model-00001-of-00002.safetensors",
                                "norm": "model-00001-of-00002.safetensors",
                                "head": "model-00002-of-00002.safetensors"}}""");
        try (SafetensorsModel m = SafetensorsModel.open(model)) {
            assertThat(m.tensors()).containsOnlyKeys("embed", "norm", "head");
            assertThat(m.tensors().get("head").dtype()).isEqualTo(DType.F16);
            assertThat(m.tensors().get("head").shape()).containsExactly(2, 1);
            assertThat(m.load("embed")).containsExactly(1f, 2f, 3f);
            assertThat(m.load("norm")).containsExactly(-1f);
            assertThat(m.load("head")).containsExactly(1f, -2f);
            assertThatThrownBy(() -> m.load("lm_head"))
                    .isInstanceOf(SafetensorsException.class)
                    .hasMessageContaining("model.safetensors.index.json: no tensor 'lm_head' (3 tensors, e.g. ");
        }
    }

    @Test
    void shardNamesInSubfoldersAreAllowed() throws Exception {
        model = Files.createDirectory(root.resolve("m"));
        Files.createDirectory(model.resolve("shards"));
        new SafetensorsBuilder().tensor("w", "F32", shape(1), f32(5)).write(model.resolve("shards/a.safetensors"));
        index("{\"weight_map\": {\"w\": \"shards/./a.safetensors\"}}");
        try (SafetensorsModel m = SafetensorsModel.open(model)) {
            assertThat(m.load("w")).containsExactly(5f);
        }
    }

    @Test
    void aMissingShardIsNamed() throws Exception {
        writeTwoShards();
        index("{\"weight_map\": {\"embed\": \"model-00001-of-00002.safetensors\", \"x\": \"model-00003.safetensors\"}}");
        assertThatThrownBy(() -> SafetensorsModel.open(model))
                .isInstanceOf(SafetensorsException.class)
                .hasMessageContaining("model.safetensors.index.json")
                .hasMessageContaining("shard 'model-00003.safetensors' is missing");
    }

    @ParameterizedTest
    @ValueSource(strings = {"../outside.safetensors", "a/../../outside.safetensors", "..", "a/../b.safetensors"})
    void shardNamesWithDotDotAreRefused(String shard) throws Exception {
        model = Files.createDirectory(root.resolve("m"));
        // A real file outside the folder, so only the name check can stop it.
        new SafetensorsBuilder().tensor("w", "F32", shape(1), f32(1)).write(root.resolve("outside.safetensors"));
        index("{\"weight_map\": {\"w\": \"" + shard + "\"}}");
        assertThatThrownBy(() -> SafetensorsModel.open(model))
                .isInstanceOf(SafetensorsException.class)
                .hasMessageContaining("tensor 'w': shard '" + shard + "' must not contain '..'");
    }

    @Test
    void absoluteShardNamesAreRefused() throws Exception {
        model = Files.createDirectory(root.resolve("m"));
        Path outside = new SafetensorsBuilder().tensor("w", "F32", shape(1), f32(1))
                .write(root.resolve("outside.safetensors"));
        index("{\"weight_map\": {\"w\": \"" + outside.toAbsolutePath() + "\"}}");
        assertThatThrownBy(() -> SafetensorsModel.open(model))
                .isInstanceOf(SafetensorsException.class)
                .hasMessageContaining("must be a relative file name inside the model folder");
    }

    @ParameterizedTest
    @ValueSource(strings = {"", ".", "./"})
    void shardNamesThatAreTheFolderItselfAreRefused(String shard) throws Exception {
        model = Files.createDirectory(root.resolve("m"));
        index("{\"weight_map\": {\"w\": \"" + shard + "\"}}");
        assertThatThrownBy(() -> SafetensorsModel.open(model)).isInstanceOf(SafetensorsException.class)
                .hasMessageContaining("shard '" + shard + "'");
    }

    @Test
    void shardNamesThatAreNoValidPathAreRefused() throws Exception {
        model = Files.createDirectory(root.resolve("m"));
        index("{\"weight_map\": {\"w\": \"bad\\u0000name\"}}"); // JSON escape: a NUL in the name
        assertThatThrownBy(() -> SafetensorsModel.open(model)).isInstanceOf(SafetensorsException.class)
                .hasMessageContaining("is not a valid file name");
    }

    @Test
    void aShardWithoutTheTensorTheIndexPromises() throws Exception {
        writeTwoShards();
        index("{\"weight_map\": {\"head\": \"model-00001-of-00002.safetensors\"}}");
        assertThatThrownBy(() -> SafetensorsModel.open(model))
                .isInstanceOf(SafetensorsException.class)
                .hasMessageContaining("tensor 'head' is mapped to shard 'model-00001-of-00002.safetensors'");
    }

    @ParameterizedTest
    @ValueSource(strings = {"[]", "{}", "{\"weight_map\": []}", "{\"weight_map\": {}}", "{\"weight_map\": {\"w\": 1}}",
            "{\"weight_map\": {\"w\": \"a\""})
    void malformedIndexes(String json) throws Exception {
        model = Files.createDirectory(root.resolve("m"));
        index(json);
        assertThatThrownBy(() -> SafetensorsModel.open(model))
                .isInstanceOf(SafetensorsException.class)
                .hasMessageContaining("model.safetensors.index.json");
    }

    @Test
    void aMalformedShardIsReportedWithItsOwnName() throws Exception {
        writeTwoShards();
        Files.write(model.resolve("model-00002-of-00002.safetensors"), new byte[] {1, 2, 3});
        index("{\"weight_map\": {\"embed\": \"model-00001-of-00002.safetensors\","
                + " \"head\": \"model-00002-of-00002.safetensors\"}}");
        assertThatThrownBy(() -> SafetensorsModel.open(model))
                .isInstanceOf(SafetensorsException.class)
                .hasMessageContaining("model-00002-of-00002.safetensors: 3 bytes, too short");
    }

    @Test
    void aFolderWithoutWeights() throws Exception {
        model = Files.createDirectory(root.resolve("m"));
        assertThatThrownBy(() -> SafetensorsModel.open(model))
                .isInstanceOf(SafetensorsException.class)
                .hasMessageContaining("neither model.safetensors nor model.safetensors.index.json found");
    }

    private void writeTwoShards() throws Exception {
        model = Files.createDirectory(root.resolve("m"));
        new SafetensorsBuilder()
                .tensor("embed", "F32", shape(3), f32(1, 2, 3))
                .tensor("norm", "F32", shape(1), f32(-1))
                .write(model.resolve("model-00001-of-00002.safetensors"));
        new SafetensorsBuilder()
                .tensor("head", "F16", shape(2, 1), bits16(0x3C00, 0xC000))
                .write(model.resolve("model-00002-of-00002.safetensors"));
    }

    private void index(String json) throws Exception {
        Files.writeString(model.resolve("model.safetensors.index.json"), json, StandardCharsets.UTF_8);
    }
}
