package com.cryptomaltese.gateway.engine.weights;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;

/**
 * The validated JSON header of one safetensors file. Everything a later read relies on is checked
 * here, once, so that reading a tensor cannot run past the file or misinterpret its bytes.
 */
record SafetensorsHeader(Map<String, TensorInfo> tensors, Map<String, String> metadata) {

    static final String METADATA_KEY = "__metadata__";
    /** Far more than any real tensor has: a bound on what one header entry can make the reader hold. */
    static final int MAX_DIMENSIONS = 64;
    private static final String OFFSETS_PROBLEM = ": 'data_offsets' is missing or not an array of two integers";

    /**
     * @param source     the file, for messages
     * @param json       header bytes
     * @param dataStart  absolute file offset of the data section (8 + header length)
     * @param dataLength bytes in the data section
     */
    static SafetensorsHeader parse(String source, byte[] json, long dataStart, long dataLength)
            throws SafetensorsException {
        return StrictJson.readObject(source, "header", json, parser -> {
            Map<String, TensorInfo> tensors = new LinkedHashMap<>();
            Map<String, String> metadata = Map.of();
            for (String name = StrictJson.nextMember(parser); name != null; name = StrictJson.nextMember(parser)) {
                if (name.equals(METADATA_KEY)) {
                    metadata = metadata(source, parser);
                } else {
                    tensors.put(name, tensor(source, name, parser, dataStart, dataLength));
                }
            }
            checkNoOverlap(source, tensors.values());
            return new SafetensorsHeader(Collections.unmodifiableMap(tensors), metadata);
        });
    }

    private static Map<String, String> metadata(String source, JsonParser parser) throws IOException {
        if (parser.currentToken() != JsonToken.START_OBJECT) {
            throw new SafetensorsException(source + ": " + METADATA_KEY + " is not a JSON object");
        }
        Map<String, String> out = new LinkedHashMap<>();
        for (String key = StrictJson.nextMember(parser); key != null; key = StrictJson.nextMember(parser)) {
            if (parser.currentToken() != JsonToken.VALUE_STRING) {
                throw new SafetensorsException(source + ": " + METADATA_KEY + " value for '" + key + "' is not a string");
            }
            out.put(key, parser.getText());
        }
        return Collections.unmodifiableMap(out);
    }

    /** One tensor's entry, its members in any order; members the format does not define are skipped. */
    private static TensorInfo tensor(String source, String name, JsonParser parser, long dataStart, long dataLength)
            throws IOException {
        String where = source + ": tensor '" + name + "'";
        if (parser.currentToken() != JsonToken.START_OBJECT) {
            throw new SafetensorsException(where + ": entry is not a JSON object");
        }
        String dtypeName = null;
        long[] shape = null;
        long[] offsets = null;
        for (String member = StrictJson.nextMember(parser); member != null; member = StrictJson.nextMember(parser)) {
            switch (member) {
                case "dtype" -> {
                    dtypeName = parser.currentToken() == JsonToken.VALUE_STRING ? parser.getText() : "";
                    parser.skipChildren();
                }
                case "shape" -> shape = array(parser, where, "shape", MAX_DIMENSIONS,
                        where + ": 'shape' has more than " + MAX_DIMENSIONS + " dimensions");
                case "data_offsets" -> offsets = array(parser, where, "data_offsets", 2, where + OFFSETS_PROBLEM);
                default -> parser.skipChildren();
            }
        }
        if (dtypeName == null || dtypeName.isEmpty()) {
            throw new SafetensorsException(where + ": 'dtype' is missing or not a string");
        }
        DType dtype = DType.fromName(dtypeName);
        if (dtype == null) {
            throw new SafetensorsException(where + ": dtype '" + dtypeName + "' is not supported (supported: "
                    + DType.supportedNames() + ")");
        }
        if (shape == null) {
            throw new SafetensorsException(where + ": 'shape' is missing or not an array");
        }
        long elements = 1;
        for (long dimension : shape) {
            try {
                elements = Math.multiplyExact(elements, dimension);
            } catch (ArithmeticException overflow) {
                throw new SafetensorsException(where + ": shape " + Arrays.toString(shape)
                        + " has more elements than fit in a long");
            }
        }
        if (offsets == null || offsets.length != 2) {
            throw new SafetensorsException(where + OFFSETS_PROBLEM);
        }
        long begin = offsets[0];
        long end = offsets[1];
        if (begin > end) {
            throw new SafetensorsException(where + ": data_offsets begin " + begin + " is after end " + end);
        }
        if (end > dataLength) {
            throw new SafetensorsException(where + ": data_offsets end " + end + " is past the end of the data section ("
                    + dataLength + " bytes)");
        }
        long expected;
        try {
            expected = Math.multiplyExact(elements, dtype.bytes());
        } catch (ArithmeticException overflow) {
            expected = -1; // cannot equal a real length; reported below
        }
        if (expected != end - begin) {
            throw new SafetensorsException(where + ": shape " + Arrays.toString(shape) + " of " + dtype + " needs "
                    + (expected < 0 ? "more than 2^63" : String.valueOf(expected)) + " bytes but data_offsets span "
                    + (end - begin));
        }
        return new TensorInfo(name, dtype, shape, dataStart + begin, end - begin);
    }

    /** A member that must be an array of non-negative integers; null (reported by the caller) if it is not an array. */
    private static long[] array(JsonParser parser, String where, String member, int max, String tooMany)
            throws IOException {
        if (parser.currentToken() != JsonToken.START_ARRAY) {
            parser.skipChildren();
            return null;
        }
        return StrictJson.nonNegativeLongs(parser, where + ": " + member, max, tooMany);
    }

    /** Two tensors sharing bytes would alias each other's weights: refuse, naming both. */
    private static void checkNoOverlap(String source, Iterable<TensorInfo> tensors) throws SafetensorsException {
        List<TensorInfo> sorted = new ArrayList<>();
        tensors.forEach(sorted::add);
        sorted.sort(Comparator.comparingLong(TensorInfo::byteOffset).thenComparingLong(TensorInfo::byteLength));
        for (int i = 1; i < sorted.size(); i++) {
            TensorInfo prev = sorted.get(i - 1);
            TensorInfo cur = sorted.get(i);
            if (cur.byteOffset() < prev.byteOffset() + prev.byteLength()) {
                throw new SafetensorsException(source + ": tensors '" + prev.name() + "' and '" + cur.name()
                        + "' overlap in the data section");
            }
        }
    }
}
