package com.cryptomaltese.gateway.engine.weights;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The validated JSON header of one safetensors file. Everything a later read relies on is checked
 * here, once, so that reading a tensor cannot run past the file or misinterpret its bytes.
 */
record SafetensorsHeader(Map<String, TensorInfo> tensors, Map<String, String> metadata) {

    static final String METADATA_KEY = "__metadata__";

    /**
     * @param source     the file, for messages
     * @param json       header bytes
     * @param dataStart  absolute file offset of the data section (8 + header length)
     * @param dataLength bytes in the data section
     */
    static SafetensorsHeader parse(String source, byte[] json, long dataStart, long dataLength)
            throws SafetensorsException {
        ObjectNode root = StrictJson.parseObject(source, "header", json);
        Map<String, TensorInfo> tensors = new LinkedHashMap<>();
        Map<String, String> metadata = Map.of();
        for (Map.Entry<String, JsonNode> e : root.properties()) {
            if (e.getKey().equals(METADATA_KEY)) {
                metadata = metadata(source, e.getValue());
            } else {
                tensors.put(e.getKey(), tensor(source, e.getKey(), e.getValue(), dataStart, dataLength));
            }
        }
        checkNoOverlap(source, tensors.values());
        return new SafetensorsHeader(Collections.unmodifiableMap(tensors), metadata);
    }

    private static Map<String, String> metadata(String source, JsonNode node) throws SafetensorsException {
        if (!node.isObject()) {
            throw new SafetensorsException(source + ": " + METADATA_KEY + " is not a JSON object");
        }
        Map<String, String> out = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : node.properties()) {
            if (!e.getValue().isTextual()) {
                throw new SafetensorsException(source + ": " + METADATA_KEY + " value for '" + e.getKey()
                        + "' is not a string");
            }
            out.put(e.getKey(), e.getValue().textValue());
        }
        return Collections.unmodifiableMap(out);
    }

    private static TensorInfo tensor(String source, String name, JsonNode node, long dataStart, long dataLength)
            throws SafetensorsException {
        String where = source + ": tensor '" + name + "'";
        if (!node.isObject()) {
            throw new SafetensorsException(where + ": entry is not a JSON object");
        }
        JsonNode dtypeNode = node.get("dtype");
        if (dtypeNode == null || !dtypeNode.isTextual()) {
            throw new SafetensorsException(where + ": 'dtype' is missing or not a string");
        }
        DType dtype = DType.fromName(dtypeNode.textValue());
        if (dtype == null) {
            throw new SafetensorsException(where + ": dtype '" + dtypeNode.textValue() + "' is not supported (supported: "
                    + DType.supportedNames() + ")");
        }

        JsonNode shapeNode = node.get("shape");
        if (shapeNode == null || !shapeNode.isArray()) {
            throw new SafetensorsException(where + ": 'shape' is missing or not an array");
        }
        long[] shape = new long[shapeNode.size()];
        long elements = 1;
        for (int i = 0; i < shape.length; i++) {
            shape[i] = nonNegativeLong(shapeNode.get(i), where + ": shape[" + i + "]");
            try {
                elements = Math.multiplyExact(elements, shape[i]);
            } catch (ArithmeticException overflow) {
                throw new SafetensorsException(where + ": shape " + shapeNode + " has more elements than fit in a long");
            }
        }

        JsonNode offsets = node.get("data_offsets");
        if (offsets == null || !offsets.isArray() || offsets.size() != 2) {
            throw new SafetensorsException(where + ": 'data_offsets' is missing or not an array of two integers");
        }
        long begin = nonNegativeLong(offsets.get(0), where + ": data_offsets[0]");
        long end = nonNegativeLong(offsets.get(1), where + ": data_offsets[1]");
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
            throw new SafetensorsException(where + ": shape " + shapeNode + " of " + dtype + " needs "
                    + (expected < 0 ? "more than 2^63" : String.valueOf(expected)) + " bytes but data_offsets span "
                    + (end - begin));
        }
        return new TensorInfo(name, dtype, shape, dataStart + begin, end - begin);
    }

    private static long nonNegativeLong(JsonNode n, String what) throws SafetensorsException {
        if (n == null || !n.isIntegralNumber() || !n.canConvertToLong() || n.longValue() < 0) {
            throw new SafetensorsException(what + " is " + n + ", not a non-negative integer");
        }
        return n.longValue();
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
