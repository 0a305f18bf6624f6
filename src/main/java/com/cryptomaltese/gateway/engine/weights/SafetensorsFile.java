package com.cryptomaltese.gateway.engine.weights;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.ShortBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;

/**
 * One {@code .safetensors} file: an 8-byte little-endian header length, a JSON header, then the
 * raw tensor bytes. The header is validated on open; tensor bytes are memory-mapped one tensor at
 * a time when read, so the file is never copied onto the heap and files over 2 GiB work (a single
 * mapping is limited to 2 GiB, hence per tensor). Safe to read from several threads.
 */
public final class SafetensorsFile implements WeightLoader {

    /** Refuse larger headers before allocating for them; real headers are kilobytes. */
    static final long MAX_HEADER_BYTES = 100L * 1024 * 1024;

    private final String source;
    private final FileChannel channel;
    private final SafetensorsHeader header;

    private SafetensorsFile(String source, FileChannel channel, SafetensorsHeader header) {
        this.source = source;
        this.channel = channel;
        this.header = header;
    }

    public static SafetensorsFile open(Path path) throws IOException {
        String source = path.toString();
        if (!Files.isRegularFile(path)) {
            throw new SafetensorsException(source + ": not found or not a regular file");
        }
        FileChannel channel = FileChannel.open(path, StandardOpenOption.READ);
        try {
            return new SafetensorsFile(source, channel, readHeader(source, channel));
        } catch (IOException | RuntimeException | Error e) {
            channel.close();
            throw e;
        }
    }

    private static SafetensorsHeader readHeader(String source, FileChannel channel) throws IOException {
        long size = channel.size();
        if (size < 8) {
            throw new SafetensorsException(source + ": " + size + " bytes, too short for the 8-byte header length");
        }
        ByteBuffer prefix = readFully(source, channel, 0, 8);
        long headerLength = prefix.order(ByteOrder.LITTLE_ENDIAN).getLong();
        // Unsigned in the format; a negative long is simply a huge length.
        if (headerLength < 0 || headerLength > MAX_HEADER_BYTES) {
            throw new SafetensorsException(source + ": header length " + Long.toUnsignedString(headerLength)
                    + " exceeds the limit of " + MAX_HEADER_BYTES + " bytes");
        }
        if (headerLength > size - 8) {
            throw new SafetensorsException(source + ": header length " + headerLength + " runs past the end of the file ("
                    + size + " bytes)");
        }
        byte[] json = readFully(source, channel, 8, (int) headerLength).array();
        long dataStart = 8 + headerLength;
        return SafetensorsHeader.parse(source, json, dataStart, size - dataStart);
    }

    private static ByteBuffer readFully(String source, FileChannel channel, long position, int length)
            throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(length);
        while (buf.hasRemaining()) {
            if (channel.read(buf, position + buf.position()) < 0) {
                throw new SafetensorsException(source + ": file ended while reading the header");
            }
        }
        buf.flip();
        return buf;
    }

    @Override
    public Map<String, TensorInfo> tensors() {
        return header.tensors();
    }

    /** The optional {@code __metadata__} string map (e.g. {@code format=pt}); empty if absent. */
    public Map<String, String> metadata() {
        return header.metadata();
    }

    @Override
    public float[] load(String name) throws IOException {
        TensorInfo t = header.tensors().get(name);
        if (t == null) {
            throw SafetensorsException.noSuchTensor(source, name, header.tensors().keySet());
        }
        return read(t);
    }

    /**
     * The tensor as F32 in a new direct buffer (native order), read with positional reads in
     * chunks: no mapping (whose pages would count as resident until the buffer is collected) and
     * no heap array. F16 and BF16 are widened chunk by chunk.
     */
    @Override
    public ByteBuffer loadDirect(String name) throws IOException {
        TensorInfo t = header.tensors().get(name);
        if (t == null) {
            throw SafetensorsException.noSuchTensor(source, name, header.tensors().keySet());
        }
        check(t);
        long count = t.byteLength() / t.dtype().bytes();
        if (4 * count > Integer.MAX_VALUE) {
            throw new SafetensorsException(source + ": tensor '" + t.name() + "' is " + 4 * count
                    + " bytes as F32; a single tensor over 2 GiB cannot be held in one buffer and is not supported");
        }
        ByteBuffer out = ByteBuffer.allocateDirect((int) (4 * count)).order(ByteOrder.nativeOrder());
        boolean read = false;
        try {
            if (t.dtype() == DType.F32 && ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN) {
                readAt(t, out, t.byteOffset());
            } else {
                ByteBuffer chunk = ByteBuffer.allocateDirect(CHUNK_BYTES).order(ByteOrder.LITTLE_ENDIAN);
                try {
                    widen(t, chunk, out);
                } finally {
                    DirectBuffers.free(chunk);
                }
            }
            read = true;
            return out.clear();
        } finally {
            if (!read) {
                DirectBuffers.free(out); // a failed read hands out nothing, and keeps nothing
            }
        }
    }

    /** Reads {@code t} through {@code chunk}, widening each value to F32 into {@code out}. */
    private void widen(TensorInfo t, ByteBuffer chunk, ByteBuffer out) throws IOException {
        for (long done = 0; done < t.byteLength(); ) {
            chunk.clear().limit((int) Math.min(CHUNK_BYTES, t.byteLength() - done));
            readAt(t, chunk, t.byteOffset() + done);
            done += chunk.flip().remaining();
            switch (t.dtype()) {
                case F32 -> {
                    while (chunk.hasRemaining()) {
                        out.putFloat(chunk.getFloat());
                    }
                }
                case F16 -> {
                    while (chunk.hasRemaining()) {
                        out.putFloat(HalfFloat.f16ToFloat(chunk.getShort()));
                    }
                }
                case BF16 -> {
                    while (chunk.hasRemaining()) {
                        out.putFloat(HalfFloat.bf16ToFloat(chunk.getShort()));
                    }
                }
            }
        }
    }

    private static final int CHUNK_BYTES = 1 << 20;

    /** Fills {@code into} from {@code position}; the size was checked against the file by {@link #check}. */
    private void readAt(TensorInfo t, ByteBuffer into, long position) throws IOException {
        long at = position;
        while (into.hasRemaining()) {
            int n = channel.read(into, at);
            if (n < 0) {
                throw new SafetensorsException(source + ": tensor '" + t.name() + "': the file ended while reading it");
            }
            at += n;
        }
    }

    private void check(TensorInfo t) throws IOException {
        String where = source + ": tensor '" + t.name() + "'";
        if (!channel.isOpen()) {
            throw new SafetensorsException(where + ": the file has been closed");
        }
        if (channel.size() < t.byteOffset() + t.byteLength()) {
            throw new SafetensorsException(where + ": the file is shorter than when it was opened");
        }
    }

    private float[] read(TensorInfo t) throws IOException {
        String where = source + ": tensor '" + t.name() + "'";
        if (t.byteLength() > Integer.MAX_VALUE) {
            throw new SafetensorsException(where + " is " + t.byteLength()
                    + " bytes; a single tensor over 2 GiB cannot be mapped or held in one array and is not supported");
        }
        if (!channel.isOpen()) {
            throw new SafetensorsException(where + ": the file has been closed");
        }
        // Mapping past the end would fault (SIGBUS) on access rather than throw, so re-check the
        // size: the file may have been truncated since it was opened.
        if (channel.size() < t.byteOffset() + t.byteLength()) {
            throw new SafetensorsException(where + ": the file is shorter than when it was opened");
        }
        float[] out = new float[(int) (t.byteLength() / t.dtype().bytes())];
        if (out.length == 0) {
            return out;
        }
        MappedByteBuffer mapped = channel.map(FileChannel.MapMode.READ_ONLY, t.byteOffset(), t.byteLength());
        mapped.order(ByteOrder.LITTLE_ENDIAN);
        switch (t.dtype()) {
            case F32 -> mapped.asFloatBuffer().get(out);
            case F16 -> {
                ShortBuffer s = mapped.asShortBuffer();
                for (int i = 0; i < out.length; i++) {
                    out[i] = HalfFloat.f16ToFloat(s.get(i));
                }
            }
            case BF16 -> {
                ShortBuffer s = mapped.asShortBuffer();
                for (int i = 0; i < out.length; i++) {
                    out[i] = HalfFloat.bf16ToFloat(s.get(i));
                }
            }
        }
        return out;
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }

    @Override
    public String toString() {
        return source;
    }
}
