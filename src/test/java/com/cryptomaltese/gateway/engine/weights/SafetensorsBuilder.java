package com.cryptomaltese.gateway.engine.weights;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Builds small safetensors files for tests. Tensors are laid out back to back; {@link #header()}
 * is the live JSON header so a test can corrupt any entry before {@link #build()}, and
 * {@link #file(long, byte[], byte[])} assembles arbitrary (length prefix, header, data) triples.
 */
final class SafetensorsBuilder {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final ObjectNode header = JSON.createObjectNode();
    private final ByteArrayOutputStream data = new ByteArrayOutputStream();

    SafetensorsBuilder tensor(String name, String dtype, long[] shape, byte[] bytes) {
        ObjectNode entry = header.putObject(name);
        entry.put("dtype", dtype);
        var dims = entry.putArray("shape");
        for (long d : shape) {
            dims.add(d);
        }
        entry.putArray("data_offsets").add(data.size()).add(data.size() + bytes.length);
        data.writeBytes(bytes);
        return this;
    }

    SafetensorsBuilder metadata(String key, String value) {
        ObjectNode meta = header.has(SafetensorsHeader.METADATA_KEY)
                ? (ObjectNode) header.get(SafetensorsHeader.METADATA_KEY)
                : header.putObject(SafetensorsHeader.METADATA_KEY);
        meta.put(key, value);
        return this;
    }

    /** The header as it will be written; mutate it to corrupt the file. */
    ObjectNode header() {
        return header;
    }

    byte[] data() {
        return data.toByteArray();
    }

    byte[] build() {
        byte[] json = header.toString().getBytes(StandardCharsets.UTF_8);
        return file(json.length, json, data());
    }

    Path write(Path file) {
        return write(file, build());
    }

    static Path write(Path file, byte[] bytes) {
        try {
            Files.write(file, bytes);
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Length prefix (as written, possibly lying), header bytes and data bytes, concatenated. */
    static byte[] file(long lengthPrefix, byte[] header, byte[] data) {
        return ByteBuffer.allocate(8 + header.length + data.length).order(ByteOrder.LITTLE_ENDIAN)
                .putLong(lengthPrefix).put(header).put(data).array();
    }

    static byte[] file(String header, byte[] data) {
        byte[] json = header.getBytes(StandardCharsets.UTF_8);
        return file(json.length, json, data);
    }

    static byte[] f32(float... values) {
        ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            b.putFloat(v);
        }
        return b.array();
    }

    /** Raw 16-bit patterns (F16 or BF16), little-endian. */
    static byte[] bits16(int... patterns) {
        ByteBuffer b = ByteBuffer.allocate(patterns.length * 2).order(ByteOrder.LITTLE_ENDIAN);
        for (int p : patterns) {
            b.putShort((short) p);
        }
        return b.array();
    }

    static long[] shape(long... dims) {
        return dims;
    }
}
