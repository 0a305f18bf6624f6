package com.cryptomaltese.gateway.engine.onnx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** External data locations are read from the protobuf in Java; none may leave the graph's folder. */
class OnnxExternalDataTest {

    @TempDir
    Path dir;

    @Test
    void readsTheLocationsOfTheFixtures() throws IOException {
        assertThat(OnnxExternalData.locations(OnnxFixtures.ONNX.resolve("gpt2/model.onnx"))).isEmpty();
        assertThat(OnnxExternalData.locations(OnnxFixtures.ONNX.resolve("llama/model.onnx")))
                .isNotEmpty().containsOnly("model.onnx_data");
    }

    /**
     * Protobuf merges a message written twice, so a graph with one more initializer is the fixture
     * with a ModelProto holding that initializer appended: ONNX Runtime would open its location.
     */
    @Test
    void aLocationOutsideTheFolderRefusesTheLoad() throws IOException {
        for (String location : new String[] {"../llama/model.onnx_data", "/etc/hostname", "sub/../../x", "."}) {
            Path model = copyOfLlama(location.replaceAll("\\W", "_"));
            append(model.resolve("model.onnx"), modelWithGraph(initializer("escape", location)));
            assertThat(OnnxExternalData.locations(model.resolve("model.onnx"))).contains(location);
            assertThatThrownBy(() -> new OnnxEngine().load(model)).isInstanceOf(IOException.class)
                    .hasMessage("model.onnx is not a readable ONNX model: external data location '" + location
                            + "' is outside the model's folder");
        }
    }

    @Test
    void locationsInSubgraphsAndConstantsAreFound() throws IOException {
        // graph { node { attribute { g: graph { initializer } } attribute { t: tensor } } }
        byte[] subgraph = field(6, field(5, initializer("inner", "../inner.bin")));
        byte[] constant = field(5, initializer("constant", "/abs.bin"));
        byte[] node = field(1, concat(field(5, subgraph), field(5, constant)));
        Path file = dir.resolve("nested.onnx");
        Files.write(file, field(7, node));
        assertThat(OnnxExternalData.locations(file)).containsExactly("../inner.bin", "/abs.bin");
    }

    @Test
    void malformedProtobufIsRefusedWithItsOffset() throws IOException {
        Path file = dir.resolve("bad.onnx");
        Files.write(file, "this is not a protobuf".getBytes(StandardCharsets.UTF_8));
        assertThatThrownBy(() -> OnnxExternalData.locations(file)).hasMessage("malformed protobuf at byte 0: wire type 4");

        byte[] whole = Files.readAllBytes(OnnxFixtures.ONNX.resolve("llama/model.onnx"));
        Files.write(file, Arrays.copyOf(whole, whole.length / 2));
        assertThatThrownBy(() -> OnnxExternalData.locations(file)).hasMessageContaining("runs past its message");

        byte[] deep = initializer("x", "y");
        for (int i = 0; i < 70; i++) {
            deep = field(6, field(1, field(5, deep))); // attribute.g -> graph.node -> node.attribute
        }
        Files.write(file, field(7, field(1, field(5, deep)))); // model.graph -> graph.node -> node.attribute
        assertThatThrownBy(() -> OnnxExternalData.locations(file)).hasMessageContaining("nested deeper than 64");
    }

    private Path copyOfLlama(String name) throws IOException {
        Path target = Files.createDirectories(dir.resolve(name));
        try (var files = Files.list(OnnxFixtures.ONNX.resolve("llama"))) {
            for (Path file : files.toList()) {
                Files.copy(file, target.resolve(file.getFileName()));
            }
        }
        return target;
    }

    private static void append(Path file, byte[] bytes) throws IOException {
        Files.write(file, bytes, StandardOpenOption.APPEND);
    }

    /** ModelProto { graph (7) { initializer (5): tensor } } */
    private static byte[] modelWithGraph(byte[] tensor) {
        return field(7, field(5, tensor));
    }

    /** TensorProto { dims: 4, data_type: FLOAT, name, external_data { location }, data_location: EXTERNAL } */
    private static byte[] initializer(String name, String location) {
        byte[] entry = concat(field(1, "location".getBytes(StandardCharsets.UTF_8)),
                field(2, location.getBytes(StandardCharsets.UTF_8)));
        return concat(new byte[] {0x08, 0x04, 0x10, 0x01}, field(8, name.getBytes(StandardCharsets.UTF_8)),
                field(13, entry), new byte[] {0x70, 0x01});
    }

    /** A length-delimited field. */
    private static byte[] field(int number, byte[] content) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        varint(out, (long) number << 3 | 2);
        varint(out, content.length);
        out.writeBytes(content);
        return out.toByteArray();
    }

    private static void varint(ByteArrayOutputStream out, long value) {
        while ((value & ~0x7fL) != 0) {
            out.write((int) (value & 0x7f) | 0x80);
            value >>>= 7;
        }
        out.write((int) value);
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] part : parts) {
            out.writeBytes(part);
        }
        return out.toByteArray();
    }
}
