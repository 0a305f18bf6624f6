package com.cryptomaltese.gateway.engine.weights;

import static com.cryptomaltese.gateway.engine.weights.SafetensorsBuilder.bits16;
import static com.cryptomaltese.gateway.engine.weights.SafetensorsBuilder.f32;
import static com.cryptomaltese.gateway.engine.weights.SafetensorsBuilder.shape;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.function.Consumer;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Every malformed-file case refuses to open with a SafetensorsException naming file and tensor. */
class SafetensorsMalformedTest {

    @TempDir
    Path dir;

    // ---- the 8-byte length prefix ----

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 7})
    void fileShorterThan8Bytes(int size) {
        assertThat(openFails(new byte[size])).hasMessageContaining("too short");
    }

    @Test
    void headerLengthPastTheEndOfTheFile() {
        byte[] json = "{}".getBytes(StandardCharsets.UTF_8);
        assertThat(openFails(SafetensorsBuilder.file(3, json, new byte[0]))).hasMessageContaining("past the end");
    }

    @ParameterizedTest
    @ValueSource(longs = {SafetensorsFile.MAX_HEADER_BYTES + 1, Long.MAX_VALUE, -1})
    void headerLengthOverTheLimitIsRefusedBeforeAllocating(long length) {
        // The file is tiny, so the limit check must come first; -1 is 2^64-1 unsigned.
        assertThat(openFails(SafetensorsBuilder.file(length, "{}".getBytes(StandardCharsets.UTF_8), new byte[0])))
                .hasMessageContaining("exceeds the limit")
                .hasMessageContaining(Long.toUnsignedString(length));
    }

    // ---- the JSON header ----

    @ParameterizedTest
    @ValueSource(strings = {"{", "not json", "{\"a\":}", "", "{}{}", "{} x"})
    void headerNotValidJson(String header) {
        assertThat(openFails(SafetensorsBuilder.file(header, new byte[0]))).hasMessageContaining("header");
    }

    @ParameterizedTest
    @ValueSource(strings = {"[]", "\"text\"", "42", "null"})
    void headerNotAJsonObject(String header) {
        assertThat(openFails(SafetensorsBuilder.file(header, new byte[0]))).hasMessageContaining("not a JSON object");
    }

    @Test
    void headerNotUtf8() {
        byte[] json = {'{', '"', (byte) 0xC3, (byte) 0x28, '"', ':', '{', '}', '}'};
        assertThat(openFails(SafetensorsBuilder.file(json.length, json, new byte[0])))
                .hasMessageContaining("not valid UTF-8");
    }

    @Test
    void duplicateTensorNamesAreRefused() {
        String entry = "{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}";
        assertThat(openFails(SafetensorsBuilder.file("{\"w\":" + entry + ",\"w\":" + entry + "}", f32(1))))
                .hasMessageContaining("Duplicate field 'w'");
    }

    @Test
    void metadataMustBeAStringMap() {
        SafetensorsBuilder numberValue = valid().metadata("format", "pt");
        numberValue.header().with("__metadata__").put("n", 1);
        assertThat(openFails(numberValue.build())).hasMessageContaining("__metadata__ value for 'n' is not a string");
        SafetensorsBuilder notAnObject = valid();
        notAnObject.header().put("__metadata__", "pt");
        assertThat(openFails(notAnObject.build())).hasMessageContaining("__metadata__ is not a JSON object");
    }

    // ---- tensor entries ----

    @ParameterizedTest
    @ValueSource(strings = {"dtype", "shape", "data_offsets"})
    void entryMissingAField(String field) {
        assertThat(openFails(corrupt(w -> w.remove(field)))).hasMessageContaining("'" + field + "' is missing");
    }

    @Test
    void entryFieldsWithWrongTypes() {
        assertThat(openFails(corrupt(w -> w.put("dtype", 5)))).hasMessageContaining("'dtype' is missing or not a string");
        assertThat(openFails(corrupt(w -> w.put("shape", "2")))).hasMessageContaining("'shape' is missing or not an array");
        assertThat(openFails(corrupt(w -> w.putArray("shape").add(2.0)))).hasMessageContaining("shape[0] is 2.0");
        assertThat(openFails(corrupt(w -> w.putArray("shape").add("2")))).hasMessageContaining("shape[0]");
        assertThat(openFails(corrupt(w -> w.put("data_offsets", "0,8")))).hasMessageContaining("'data_offsets'");
        SafetensorsBuilder b = valid();
        b.header().put("w", 3);
        assertThat(openFails(b.build())).hasMessageContaining("tensor 'w': entry is not a JSON object");
    }

    @Test
    void negativeShapeDimension() {
        assertThat(openFails(corrupt(w -> w.putArray("shape").add(-2)))).hasMessageContaining("shape[0] is -2");
    }

    @Test
    void shapeOfMoreThan64DimensionsIsRefused() {
        assertThat(openFails(corrupt(w -> {
            var shape = w.putArray("shape");
            for (int i = 0; i < 65; i++) {
                shape.add(1);
            }
        }))).hasMessageContaining("'shape' has more than 64 dimensions");
    }

    @Test
    void aRefusedValueIsQuotedPrintableAndCutShort() {
        String value = "\u001b[31mforged\nline" + "x".repeat(100); // 16 characters, then filler past the 40 quoted
        assertThat(openFails(corrupt(w -> w.putArray("shape").add(value))).getMessage())
                .contains("shape[0] is \"?[31mforged?line" + "x".repeat(40 - 16) + "…\"")
                .doesNotContain("\u001b", "\n");
    }

    @Test
    void shapeProductOverflowingLong() {
        assertThat(openFails(corrupt(w -> w.putArray("shape").add(1L << 32).add(1L << 32))))
                .hasMessageContaining("more elements than fit in a long");
    }

    @Test
    void shapeTimesDtypeSizeOverflowingLongIsALengthMismatch() {
        assertThat(openFails(corrupt(w -> w.putArray("shape").add(Long.MAX_VALUE / 2))))
                .hasMessageContaining("more than 2^63");
    }

    @ParameterizedTest
    @ValueSource(strings = {"F8_E4M3", "F64", "I8", "Q4_K_ZZ", "f32"})
    void unsupportedDtypeListsTheSupportedOnes(String dtype) {
        assertThat(openFails(corrupt(w -> w.put("dtype", dtype))))
                .hasMessageContaining("dtype '" + dtype + "' is not supported (supported: F32, F16, BF16)");
    }

    @Test
    void dataOffsetsNotTwoNonNegativeIntegers() {
        assertThat(openFails(corrupt(w -> w.putArray("data_offsets").add(0)))).hasMessageContaining("two integers");
        assertThat(openFails(corrupt(w -> w.putArray("data_offsets").add(0).add(4).add(8))))
                .hasMessageContaining("two integers");
        assertThat(openFails(corrupt(w -> w.putArray("data_offsets").add(-8).add(0))))
                .hasMessageContaining("data_offsets[0] is -8");
        assertThat(openFails(corrupt(w -> w.putArray("data_offsets").add(0).add(8.0))))
                .hasMessageContaining("data_offsets[1] is 8.0");
        assertThat(openFails(corrupt(w -> w.putArray("data_offsets").add(0)
                .add(new java.math.BigInteger("99999999999999999999")))))
                .hasMessageContaining("not a non-negative integer");
    }

    @Test
    void dataOffsetsBeginAfterEnd() {
        assertThat(openFails(corrupt(w -> w.putArray("data_offsets").add(8).add(0))))
                .hasMessageContaining("begin 8 is after end 0");
    }

    @Test
    void dataOffsetsPastTheEndOfTheDataSection() {
        assertThat(openFails(corrupt(w -> w.putArray("data_offsets").add(12).add(20))))
                .hasMessageContaining("past the end of the data section (12 bytes)");
    }

    @Test
    void overlappingTensors() {
        // "v" (F16[2], 4 bytes) moved onto the last 4 bytes of "w" (F32[2], bytes 0..8).
        SafetensorsBuilder b = valid();
        b.header().with("v").putArray("data_offsets").add(4).add(8);
        assertThat(openFails(b.build())).hasMessageContaining("tensors 'w' and 'v' overlap");
    }

    @Test
    void byteLengthDisagreesWithShapeAndDtype() {
        assertThat(openFails(corrupt(w -> w.putArray("shape").add(3))))
                .hasMessageContaining("needs 12 bytes but data_offsets span 8");
        assertThat(openFails(corrupt(w -> w.put("dtype", "BF16"))))
                .hasMessageContaining("needs 4 bytes but data_offsets span 8");
    }

    // ---- helpers ----

    /** Tensor "w" F32[2] at bytes 0..8 and "v" F16[2] at 8..12. */
    private static SafetensorsBuilder valid() {
        return new SafetensorsBuilder()
                .tensor("w", "F32", shape(2), f32(1, 2))
                .tensor("v", "F16", shape(2), bits16(0x3C00, 0x4000));
    }

    /** A valid file whose tensor "w" entry has been changed by {@code change}. */
    private byte[] corrupt(Consumer<ObjectNode> change) {
        SafetensorsBuilder b = valid();
        change.accept(b.header().with("w"));
        return b.build();
    }

    /**
     * Opens the bytes as a file, expects a SafetensorsException naming the file (and the tensor,
     * for entry problems), and returns it for further checks.
     */
    private SafetensorsException openFails(byte[] bytes) {
        Path file = SafetensorsBuilder.write(dir.resolve("bad-" + Arrays.hashCode(bytes) + ".safetensors"), bytes);
        Throwable thrown = catchThrowable(() -> SafetensorsFile.open(file).close());
        assertThat(thrown).isInstanceOf(SafetensorsException.class).hasMessageStartingWith(file.toString() + ": ");
        if (thrown.getMessage().contains("data_offsets") || thrown.getMessage().contains("shape")
                || thrown.getMessage().contains("dtype")) {
            assertThat(thrown).hasMessageContaining("tensor '");
        }
        return (SafetensorsException) thrown;
    }
}
