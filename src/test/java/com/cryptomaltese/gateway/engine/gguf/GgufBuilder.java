package com.cryptomaltese.gateway.engine.gguf;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Writes GGUF bytes field by field, so tests can build valid and deliberately broken headers. */
final class GgufBuilder {

    static final int UINT8 = 0, INT8 = 1, UINT16 = 2, INT16 = 3, UINT32 = 4, INT32 = 5, FLOAT32 = 6, BOOL = 7,
            STRING = 8, ARRAY = 9, UINT64 = 10, INT64 = 11, FLOAT64 = 12;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    /** Magic, version and the two counts. */
    static GgufBuilder header(int version, long tensorCount, long kvCount) {
        return new GgufBuilder().raw("GGUF".getBytes(StandardCharsets.US_ASCII)).u32(version).u64(tensorCount).u64(kvCount);
    }

    GgufBuilder raw(byte... bytes) {
        out.write(bytes, 0, bytes.length);
        return this;
    }

    GgufBuilder u8(int v) {
        out.write(v);
        return this;
    }

    GgufBuilder u32(int v) {
        return raw(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(v).array());
    }

    GgufBuilder u64(long v) {
        return raw(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(v).array());
    }

    GgufBuilder f32(float v) {
        return u32(Float.floatToIntBits(v));
    }

    GgufBuilder str(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        return u64(b.length).raw(b);
    }

    GgufBuilder kvString(String key, String value) {
        return str(key).u32(STRING).str(value);
    }

    GgufBuilder kvU32(String key, int value) {
        return str(key).u32(UINT32).u32(value);
    }

    /** A tensor info: name, dims, ggml type id, offset. */
    GgufBuilder tensor(String name, int type, long offset, long... dims) {
        str(name).u32(dims.length);
        for (long d : dims) {
            u64(d);
        }
        return u32(type).u64(offset);
    }

    /** Zero bytes up to the next multiple of {@code alignment}. */
    GgufBuilder align(int alignment) {
        while (out.size() % alignment != 0) {
            out.write(0);
        }
        return this;
    }

    GgufBuilder zeros(int n) {
        return raw(new byte[n]);
    }

    int size() {
        return out.size();
    }

    byte[] build() {
        return out.toByteArray();
    }

    Path write(Path file) throws IOException {
        return Files.write(file, build());
    }
}
