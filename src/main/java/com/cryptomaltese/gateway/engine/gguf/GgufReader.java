package com.cryptomaltese.gateway.engine.gguf;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.CharBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads and validates the header of a GGUF file in plain Java, so that a malformed file is refused
 * with a {@link GgufException} before any native code sees it. Reads are bounded: every count or
 * length from the file is checked against the bytes that are left (and against a total header
 * budget) before anything is allocated for it.
 */
public final class GgufReader {

    /** Upper bound for metadata plus tensor infos; real headers with 150k-token vocabularies are a few MB. */
    public static final long MAX_HEADER_BYTES = 64L << 20;
    /** Arrays of arrays of ... deeper than this are refused. */
    public static final int MAX_ARRAY_DEPTH = 4;
    /**
     * Array elements in the whole header, bounding the memory of boxed values; the largest real
     * vocabularies (~262k tokens with scores and types, plus merges) need about 1.5 million.
     */
    public static final long MAX_ARRAY_ELEMENTS = 1L << 23;
    public static final int MAX_DIMS = 4;
    public static final int DEFAULT_ALIGNMENT = 32;

    private static final int MAGIC = 0x46554747; // "GGUF" little-endian
    private static final int MIN_KV_BYTES = 8 + 4; // key length + value type (empty key, no value)
    private static final int MIN_TENSOR_INFO_BYTES = 8 + 4 + 4 + 8; // name length, n_dims, type, offset

    private static final int UINT8 = 0, INT8 = 1, UINT16 = 2, INT16 = 3, UINT32 = 4, INT32 = 5, FLOAT32 = 6,
            BOOL = 7, STRING = 8, ARRAY = 9, UINT64 = 10, INT64 = 11, FLOAT64 = 12;

    private final Path file;
    private final FileChannel channel;
    private final long size;
    private final ByteBuffer buffer = ByteBuffer.allocate(64 * 1024).order(ByteOrder.LITTLE_ENDIAN);
    private long bufferStart;
    private final CharsetDecoder utf8 = StandardCharsets.UTF_8.newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT);
    private String where = "header";
    private long arrayElements;

    private GgufReader(Path file, FileChannel channel) throws IOException {
        this.file = file;
        this.channel = channel;
        this.size = channel.size();
        buffer.limit(0);
    }

    /** Reads and validates the header of {@code file}; the tensor data itself is not read. */
    public static GgufHeader read(Path file) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            return new GgufReader(file, channel).readHeader();
        }
    }

    private GgufHeader readHeader() throws IOException {
        if (size < 4 + 4 + 8 + 8) {
            throw fail("file of " + size + " bytes is too short for a GGUF header (24 bytes)");
        }
        int magic = readInt();
        if (magic != MAGIC) {
            throw fail(String.format("bad magic 0x%08x, expected \"GGUF\" (0x%08x)", magic, MAGIC));
        }
        int version = readInt();
        if (version != 2 && version != 3) {
            throw fail("unsupported GGUF version " + Integer.toUnsignedString(version) + " (supported: 2, 3)");
        }
        long tensorCount = readLong();
        long kvCount = readLong();
        long left = remaining();
        if (Long.compareUnsigned(tensorCount, left / MIN_TENSOR_INFO_BYTES) > 0) {
            throw fail("tensor count " + Long.toUnsignedString(tensorCount) + " cannot fit in the " + left
                    + " bytes left (each tensor info needs at least " + MIN_TENSOR_INFO_BYTES + ")");
        }
        if (Long.compareUnsigned(kvCount, left / MIN_KV_BYTES) > 0) {
            throw fail("metadata count " + Long.toUnsignedString(kvCount) + " cannot fit in the " + left
                    + " bytes left (each key/value needs at least " + MIN_KV_BYTES + ")");
        }
        if (kvCount * MIN_KV_BYTES + tensorCount * MIN_TENSOR_INFO_BYTES > left) {
            throw fail(kvCount + " key/values and " + tensorCount + " tensor infos cannot fit in the " + left
                    + " bytes left");
        }

        Map<String, Object> metadata = new LinkedHashMap<>();
        for (long i = 0; i < kvCount; i++) {
            where = "metadata key #" + i;
            String key = readString();
            if (key.isEmpty()) {
                throw fail("empty key");
            }
            where = "metadata '" + key + "' (#" + i + ")";
            int type = readInt();
            Object value = readValue(type, 0);
            if (metadata.putIfAbsent(key, value) != null) {
                throw fail("duplicate key");
            }
            checkBudget();
        }

        where = "metadata 'general.alignment'";
        int alignment = DEFAULT_ALIGNMENT;
        Object a = metadata.get("general.alignment");
        if (a != null) {
            if (!(a instanceof Long l)) {
                throw fail("alignment must be a UINT32, found " + a.getClass().getSimpleName() + " " + a);
            }
            if (l <= 0 || Long.bitCount(l) != 1 || l > (1 << 30)) {
                throw fail("alignment " + l + " is not a power of two");
            }
            alignment = l.intValue();
        }

        List<GgufTensor> tensors = new ArrayList<>((int) Math.min(tensorCount, 4096));
        Set<String> names = new HashSet<>();
        for (long i = 0; i < tensorCount; i++) {
            where = "tensor #" + i;
            GgufTensor t = readTensorInfo(alignment);
            if (!names.add(t.name())) {
                throw fail("duplicate tensor name '" + t.name() + "'");
            }
            tensors.add(t);
            checkBudget();
        }

        where = "data section";
        long end = position();
        long dataOffset = (end + alignment - 1) / alignment * alignment;
        long dataBytes = Math.max(0, size - dataOffset);
        List<GgufTensor> byOffset = new ArrayList<>(tensors);
        byOffset.sort(Comparator.comparingLong(GgufTensor::offset));
        GgufTensor previous = null;
        for (GgufTensor t : byOffset) {
            if (t.offset() > dataBytes || t.bytes() > dataBytes - t.offset()) {
                throw fail("tensor '" + t.name() + "' at data offset " + t.offset() + " with " + t.bytes()
                        + " bytes ends past the end of the file (data section has " + dataBytes + " bytes)");
            }
            if (previous != null && t.offset() < previous.offset() + previous.bytes()) {
                throw fail("tensor '" + t.name() + "' at data offset " + t.offset() + " overlaps tensor '"
                        + previous.name() + "' (" + previous.offset() + " + " + previous.bytes() + " bytes)");
            }
            previous = t;
        }
        return new GgufHeader(version, tensorCount, metadata, tensors, dataOffset, alignment);
    }

    private GgufTensor readTensorInfo(int alignment) throws IOException {
        String name = readString();
        where = where + " '" + name + "'";
        int nDims = readInt();
        if (nDims < 0 || nDims > MAX_DIMS) {
            throw fail("n_dims " + Integer.toUnsignedString(nDims) + " is not in 0.." + MAX_DIMS);
        }
        need(8L * nDims + 4 + 8, "dimensions, type and offset");
        long[] dims = new long[nDims];
        long elements = 1;
        for (int d = 0; d < nDims; d++) {
            long dim = readLong();
            if (dim <= 0) {
                throw fail("dimension " + d + " is " + Long.toUnsignedString(dim) + ", must be positive");
            }
            dims[d] = dim;
            try {
                elements = Math.multiplyExact(elements, dim);
            } catch (ArithmeticException e) {
                throw fail("dimensions " + java.util.Arrays.toString(java.util.Arrays.copyOf(dims, d + 1))
                        + " overflow the element count");
            }
        }
        int typeId = readInt();
        GgmlType type = GgmlType.byId(Integer.toUnsignedLong(typeId));
        if (type == null) {
            throw fail("unknown ggml type " + Integer.toUnsignedString(typeId));
        }
        long first = nDims == 0 ? 1 : dims[0];
        if (first % type.blockSize() != 0) {
            throw fail("first dimension " + first + " is not a multiple of the " + type + " block size "
                    + type.blockSize());
        }
        long bytes;
        try {
            bytes = Math.multiplyExact(elements / type.blockSize(), (long) type.typeSize());
        } catch (ArithmeticException e) {
            throw fail("byte size of " + elements + " " + type + " elements overflows");
        }
        long offset = readLong();
        if (offset < 0) {
            throw fail("offset " + Long.toUnsignedString(offset) + " is past the end of the file");
        }
        if (offset % alignment != 0) {
            throw fail("offset " + offset + " is not a multiple of the alignment " + alignment);
        }
        return new GgufTensor(name, dims, type, offset, bytes);
    }

    private Object readValue(int type, int depth) throws IOException {
        switch (type) {
            case UINT8: return readByte() & 0xFF;
            case INT8: return (int) readByte();
            case UINT16: return readShort() & 0xFFFF;
            case INT16: return (int) readShort();
            case UINT32: return Integer.toUnsignedLong(readInt());
            case INT32: return readInt();
            case FLOAT32: return Float.intBitsToFloat(readInt());
            case BOOL: {
                byte b = readByte();
                if (b != 0 && b != 1) {
                    throw fail("bool value " + (b & 0xFF) + " is neither 0 nor 1");
                }
                return b == 1;
            }
            case STRING: return readString();
            case ARRAY: return readArray(depth + 1);
            case UINT64:
            case INT64: return readLong();
            case FLOAT64: return Double.longBitsToDouble(readLong());
            default: throw fail("unknown value type " + Integer.toUnsignedString(type));
        }
    }

    private GgufArray readArray(int depth) throws IOException {
        if (depth > MAX_ARRAY_DEPTH) {
            throw fail("arrays nested deeper than " + MAX_ARRAY_DEPTH);
        }
        int elementType = readInt();
        long count = readLong();
        int min = minSize(elementType);
        long left = remaining();
        if (Long.compareUnsigned(count, left / min) > 0) {
            throw fail("array count " + Long.toUnsignedString(count) + " of " + min + "-byte elements exceeds the "
                    + left + " bytes left");
        }
        if (count > MAX_ARRAY_ELEMENTS - arrayElements) {
            throw fail("array count " + count + " exceeds the limit of " + MAX_ARRAY_ELEMENTS
                    + " array elements in a header (" + arrayElements + " read so far)");
        }
        if (count * min > MAX_HEADER_BYTES - position()) {
            throw fail("array count " + count + " of " + min + "-byte elements exceeds the header limit of "
                    + MAX_HEADER_BYTES + " bytes");
        }
        arrayElements += count;
        List<Object> list = new ArrayList<>((int) Math.min(count, 1 << 16));
        String outer = where;
        for (long i = 0; i < count; i++) {
            if (elementType == ARRAY) {
                where = outer + " element #" + i;
            }
            list.add(readValue(elementType, depth));
            if ((i & 0xFFF) == 0) {
                checkBudget();
            }
        }
        where = outer;
        return new GgufArray(GgufArray.Type.values()[elementType], list);
    }

    /** The fewest bytes an element of this type takes; refuses unknown types. */
    private int minSize(int type) throws GgufException {
        switch (type) {
            case UINT8: case INT8: case BOOL: return 1;
            case UINT16: case INT16: return 2;
            case UINT32: case INT32: case FLOAT32: return 4;
            case UINT64: case INT64: case FLOAT64: case STRING: return 8;
            case ARRAY: return 12;
            default: throw fail("unknown array element type " + Integer.toUnsignedString(type));
        }
    }

    private String readString() throws IOException {
        long length = readLong();
        long left = remaining();
        if (Long.compareUnsigned(length, left) > 0) {
            throw fail("string length " + Long.toUnsignedString(length) + " exceeds the " + left + " bytes left");
        }
        if (position() + length > MAX_HEADER_BYTES) {
            throw fail("string length " + length + " exceeds the header limit of " + MAX_HEADER_BYTES + " bytes");
        }
        byte[] bytes = new byte[(int) length];
        readFully(bytes);
        try {
            CharBuffer chars = utf8.decode(ByteBuffer.wrap(bytes));
            return chars.toString();
        } catch (CharacterCodingException e) {
            throw fail("string of " + length + " bytes is not valid UTF-8");
        }
    }

    private void checkBudget() throws GgufException {
        if (position() > MAX_HEADER_BYTES) {
            throw fail("header exceeds the limit of " + MAX_HEADER_BYTES + " bytes");
        }
    }

    // --- bounded little-endian reads over the channel ---

    private long position() {
        return bufferStart + buffer.position();
    }

    private long remaining() {
        return size - position();
    }

    private void need(long n, String what) throws IOException {
        if (n > remaining()) {
            throw fail("truncated: " + what + " need " + n + " bytes, " + remaining() + " left");
        }
    }

    private void fill(int n) throws IOException {
        if (buffer.remaining() >= n) {
            return;
        }
        need(n, "value");
        long pos = position();
        buffer.clear();
        bufferStart = pos;
        int want = (int) Math.min(buffer.capacity(), size - pos);
        buffer.limit(want);
        while (buffer.hasRemaining()) {
            if (channel.read(buffer, pos + buffer.position()) < 0) {
                throw fail("file shrank while reading");
            }
        }
        buffer.flip();
    }

    private byte readByte() throws IOException {
        fill(1);
        return buffer.get();
    }

    private short readShort() throws IOException {
        fill(2);
        return buffer.getShort();
    }

    private int readInt() throws IOException {
        fill(4);
        return buffer.getInt();
    }

    private long readLong() throws IOException {
        fill(8);
        return buffer.getLong();
    }

    private void readFully(byte[] dst) throws IOException {
        int done = 0;
        while (done < dst.length) {
            if (!buffer.hasRemaining()) {
                fill(1);
            }
            int n = Math.min(buffer.remaining(), dst.length - done);
            buffer.get(dst, done, n);
            done += n;
        }
    }

    private GgufException fail(String problem) {
        return new GgufException(file + ": " + where + ": " + problem);
    }
}
