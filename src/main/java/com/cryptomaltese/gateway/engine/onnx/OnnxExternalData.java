package com.cryptomaltese.gateway.engine.onnx;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The external data files an ONNX graph names, read from its protobuf in Java before ONNX Runtime
 * sees the file. ONNX Runtime opens whatever path a tensor's {@code location} gives, relative to the
 * graph's folder, {@code ..} and absolute paths included; a downloaded graph must not make the
 * gateway read files outside its own folder, so such a location refuses the load.
 *
 * <p>Only the messages that can hold tensors are walked (ModelProto, GraphProto and subgraphs,
 * NodeProto attributes, FunctionProto, TrainingInfoProto, SparseTensorProto, TensorProto); every
 * other field, weights included, is skipped by its length. Malformed protobuf is refused with the
 * byte offset.
 */
final class OnnxExternalData {

    /** Deeper nesting than any real graph (subgraphs of subgraphs); bounds the recursion. */
    private static final int MAX_DEPTH = 64;

    private enum Kind { MODEL, TRAINING_INFO, FUNCTION, GRAPH, NODE, ATTRIBUTE, SPARSE_TENSOR, TENSOR, ENTRY }

    /** Field numbers (onnx.proto) of the length-delimited fields that hold messages of interest. */
    private static final Map<Kind, Map<Integer, Kind>> CHILDREN = Map.of(
            Kind.MODEL, Map.of(7, Kind.GRAPH, 20, Kind.TRAINING_INFO, 25, Kind.FUNCTION),
            Kind.TRAINING_INFO, Map.of(1, Kind.GRAPH, 2, Kind.GRAPH),
            Kind.FUNCTION, Map.of(7, Kind.NODE),
            Kind.GRAPH, Map.of(1, Kind.NODE, 5, Kind.TENSOR, 15, Kind.SPARSE_TENSOR),
            Kind.NODE, Map.of(5, Kind.ATTRIBUTE),
            Kind.ATTRIBUTE, Map.of(5, Kind.TENSOR, 6, Kind.GRAPH, 10, Kind.TENSOR, 11, Kind.GRAPH,
                    22, Kind.SPARSE_TENSOR, 23, Kind.SPARSE_TENSOR),
            Kind.SPARSE_TENSOR, Map.of(1, Kind.TENSOR, 2, Kind.TENSOR),
            Kind.TENSOR, Map.of(13, Kind.ENTRY),
            Kind.ENTRY, Map.of());

    private OnnxExternalData() {
    }

    /** Refuses a graph with an external data location outside its folder. */
    static void requireInsideFolder(Path graph) throws IOException {
        for (String location : locations(graph)) {
            Path path;
            try {
                path = Path.of(location).normalize();
            } catch (InvalidPathException e) {
                throw new IOException("external data location '" + location + "' is not a file name");
            }
            if (path.isAbsolute() || path.toString().isEmpty() || path.startsWith("..")) {
                throw new IOException("external data location '" + location + "' is outside the model's folder");
            }
        }
    }

    /** Every {@code location} of an external data entry in the graph, in file order. */
    static List<String> locations(Path graph) throws IOException {
        try (FileChannel channel = FileChannel.open(graph, StandardOpenOption.READ)) {
            if (channel.size() > Integer.MAX_VALUE) {
                throw new IOException("malformed protobuf: larger than 2 GB");
            }
            ByteBuffer bytes = channel.map(FileChannel.MapMode.READ_ONLY, 0, channel.size());
            List<String> locations = new ArrayList<>();
            walk(bytes, 0, bytes.limit(), Kind.MODEL, 0, locations);
            return locations;
        }
    }

    private static void walk(ByteBuffer bytes, int start, int end, Kind kind, int depth, List<String> locations)
            throws IOException {
        if (depth > MAX_DEPTH) {
            throw new IOException("malformed protobuf: messages nested deeper than " + MAX_DEPTH);
        }
        String key = null;
        String value = null;
        int[] at = {start};
        while (at[0] < end) {
            int fieldStart = at[0];
            long tag = varint(bytes, at, end);
            int field = (int) (tag >>> 3);
            switch ((int) (tag & 7)) {
                case 0 -> varint(bytes, at, end);
                case 1 -> skip(at, 8, end, fieldStart);
                case 5 -> skip(at, 4, end, fieldStart);
                case 2 -> {
                    long length = varint(bytes, at, end);
                    if (length > end - at[0]) {
                        throw malformed(fieldStart, "a field runs past its message");
                    }
                    int from = at[0];
                    int to = from + (int) length;
                    Kind child = CHILDREN.get(kind).get(field);
                    if (child != null) {
                        walk(bytes, from, to, child, depth + 1, locations);
                    } else if (kind == Kind.ENTRY && field == 1) {
                        key = string(bytes, from, to);
                    } else if (kind == Kind.ENTRY && field == 2) {
                        value = string(bytes, from, to);
                    }
                    at[0] = to;
                }
                default -> throw malformed(fieldStart, "wire type " + (tag & 7));
            }
            if (field == 0) {
                throw malformed(fieldStart, "field number 0");
            }
        }
        if ("location".equals(key) && value != null) {
            locations.add(value);
        }
    }

    private static long varint(ByteBuffer bytes, int[] at, int end) throws IOException {
        long value = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            if (at[0] >= end) {
                throw malformed(at[0], "a number runs past its message");
            }
            byte b = bytes.get(at[0]++);
            value |= (long) (b & 0x7f) << shift;
            if (b >= 0) {
                return value;
            }
        }
        throw malformed(at[0], "a number longer than 10 bytes");
    }

    private static void skip(int[] at, int count, int end, int fieldStart) throws IOException {
        if (end - at[0] < count) {
            throw malformed(fieldStart, "a field runs past its message");
        }
        at[0] += count;
    }

    private static String string(ByteBuffer bytes, int from, int to) {
        byte[] text = new byte[to - from];
        bytes.get(from, text);
        return new String(text, StandardCharsets.UTF_8);
    }

    private static IOException malformed(int offset, String problem) {
        return new IOException("malformed protobuf at byte " + offset + ": " + problem);
    }
}
