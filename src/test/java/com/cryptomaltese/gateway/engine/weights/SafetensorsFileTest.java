package com.cryptomaltese.gateway.engine.weights;

import static com.cryptomaltese.gateway.engine.weights.SafetensorsBuilder.bits16;
import static com.cryptomaltese.gateway.engine.weights.SafetensorsBuilder.f32;
import static com.cryptomaltese.gateway.engine.weights.SafetensorsBuilder.shape;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafetensorsFileTest {

    @TempDir
    Path dir;

    @Test
    void roundTripsF32F16AndBf16AsF32() throws Exception {
        Path path = new SafetensorsBuilder()
                .tensor("f32", "F32", shape(2, 3), f32(1f, -2.5f, 0f, Float.MIN_VALUE, Float.MAX_VALUE, -0.125f))
                .tensor("f16", "F16", shape(4), bits16(0x3C00, 0xC000, 0x7BFF, 0x0001))
                .tensor("bf16", "BF16", shape(1, 3), bits16(0x3F80, 0xC049, 0xFF80))
                .metadata("format", "pt")
                .write(dir.resolve("m.safetensors"));
        try (SafetensorsFile file = SafetensorsFile.open(path)) {
            assertThat(file.tensors()).containsOnlyKeys("f32", "f16", "bf16");
            assertThat(file.metadata()).containsExactlyEntriesOf(java.util.Map.of("format", "pt"));
            assertThat(file.load("f32")).containsExactly(1f, -2.5f, 0f, Float.MIN_VALUE, Float.MAX_VALUE, -0.125f);
            assertThat(file.load("f16")).containsExactly(1f, -2f, 65504f, 5.9604645e-8f);
            assertThat(file.load("bf16")).containsExactly(1f, -3.140625f, Float.NEGATIVE_INFINITY);
        }
    }

    @Test
    void describesEachTensorWithAbsoluteOffsets() throws Exception {
        SafetensorsBuilder b = new SafetensorsBuilder()
                .tensor("a", "F32", shape(2), f32(1, 2))
                .tensor("b", "BF16", shape(3, 1), bits16(1, 2, 3));
        int headerLength = b.header().toString().getBytes(StandardCharsets.UTF_8).length;
        try (SafetensorsFile file = SafetensorsFile.open(b.write(dir.resolve("m.safetensors")))) {
            assertThat(file.tensors().get("b"))
                    .isEqualTo(new TensorInfo("b", DType.BF16, new long[] {3, 1}, 8 + headerLength + 8, 6));
            assertThat(file.tensors().get("b").elementCount()).isEqualTo(3);
            assertThat(file.metadata()).isEmpty();
        }
    }

    @Test
    void scalarsEmptyTensorsAndAnEmptyHeaderAreValid() throws Exception {
        Path path = new SafetensorsBuilder()
                .tensor("scalar", "F32", shape(), f32(7f))
                .tensor("empty", "F16", shape(0, 5), new byte[0])
                .write(dir.resolve("m.safetensors"));
        try (SafetensorsFile file = SafetensorsFile.open(path)) {
            assertThat(file.load("scalar")).containsExactly(7f);
            assertThat(file.load("empty")).isEmpty();
        }
        try (SafetensorsFile file = SafetensorsFile.open(SafetensorsBuilder.write(dir.resolve("e.safetensors"),
                SafetensorsBuilder.file("{}", new byte[0])))) {
            assertThat(file.tensors()).isEmpty();
        }
    }

    @Test
    void headerPaddingWithSpacesIsAccepted() throws Exception {
        // The reference writer pads the header with spaces to align the data section.
        byte[] bytes = SafetensorsBuilder.file(
                "{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}     ", f32(3f));
        try (SafetensorsFile file = SafetensorsFile.open(SafetensorsBuilder.write(dir.resolve("m.safetensors"), bytes))) {
            assertThat(file.load("w")).containsExactly(3f);
        }
    }

    @Test
    void aMissingTensorIsNamedWithSomeThatExist() throws Exception {
        Path path = new SafetensorsBuilder()
                .tensor("model.layers.0.q.weight", "F32", shape(1), f32(1))
                .tensor("model.norm.weight", "F32", shape(1), f32(1))
                .write(dir.resolve("m.safetensors"));
        try (SafetensorsFile file = SafetensorsFile.open(path)) {
            assertThatThrownBy(() -> file.load("model.layers.0.k.weight"))
                    .isInstanceOf(SafetensorsException.class)
                    .hasMessageContaining(path.toString())
                    .hasMessageContaining("no tensor 'model.layers.0.k.weight'")
                    .hasMessageContaining("e.g. model.layers.0.q.weight, model.norm.weight");
        }
    }

    @Test
    void readingAfterCloseIsAClearError() throws Exception {
        Path path = new SafetensorsBuilder().tensor("w", "F32", shape(1), f32(1)).write(dir.resolve("m.safetensors"));
        SafetensorsFile file = SafetensorsFile.open(path);
        file.close();
        assertThatThrownBy(() -> file.load("w")).isInstanceOf(SafetensorsException.class).hasMessageContaining("closed");
    }

    @Test
    void aMissingFileIsASafetensorsException() {
        Path path = dir.resolve("absent.safetensors");
        assertThatThrownBy(() -> SafetensorsFile.open(path))
                .isInstanceOf(SafetensorsException.class).hasMessageContaining(path.toString());
        assertThatThrownBy(() -> SafetensorsFile.open(dir))
                .isInstanceOf(SafetensorsException.class).hasMessageContaining("not a regular file");
    }

    /**
     * A sparse 3 GiB file: a tensor that starts past 2 GiB must still be readable (one mapping per
     * tensor), and a single tensor over 2 GiB is refused with a clear message.
     */
    @Test
    void filesOver2GiBWorkAndTensorsOver2GiBAreRefused() throws Exception {
        long big = 2_400_000_000L; // F32 bytes for the huge tensor: more than 2 GiB
        String header = "{\"huge\":{\"dtype\":\"F32\",\"shape\":[" + big / 4 + "],\"data_offsets\":[0," + big + "]},"
                + "\"tail\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[" + big + "," + (big + 8) + "]}}";
        byte[] json = header.getBytes(StandardCharsets.UTF_8);
        Path path = dir.resolve("big.safetensors");
        try (RandomAccessFile raf = new RandomAccessFile(path.toFile(), "rw")) {
            raf.write(SafetensorsBuilder.file(json.length, json, new byte[0]));
            raf.seek(8 + json.length + big);
            raf.write(f32(1.5f, -4f)); // everything before is a hole: no disk space used
        }
        try (SafetensorsFile file = SafetensorsFile.open(path)) {
            assertThat(file.load("tail")).containsExactly(1.5f, -4f);
            assertThatThrownBy(() -> file.load("huge"))
                    .isInstanceOf(SafetensorsException.class)
                    .hasMessageContaining("tensor 'huge'")
                    .hasMessageContaining("over 2 GiB");
        }
    }
}
