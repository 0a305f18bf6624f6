package com.cryptomaltese.gateway.engine.gguf;

import java.util.Arrays;

/**
 * One tensor info of a GGUF header. {@code dims} are in ggml order (fastest-varying first, e.g.
 * {@code [64, 512]} for a 512 x 64 embedding), {@code offset} is relative to the data section and
 * {@code bytes} is the stored size computed from the dims and the type's block layout.
 */
public record GgufTensor(String name, long[] dims, GgmlType type, long offset, long bytes) {

    public GgufTensor {
        dims = dims.clone();
    }

    @Override
    public long[] dims() {
        return dims.clone();
    }

    public long elementCount() {
        long n = 1;
        for (long d : dims) {
            n *= d;
        }
        return n;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof GgufTensor t && name.equals(t.name) && Arrays.equals(dims, t.dims) && type == t.type
                && offset == t.offset && bytes == t.bytes;
    }

    @Override
    public int hashCode() {
        return name.hashCode() * 31 + Arrays.hashCode(dims);
    }

    @Override
    public String toString() {
        return name + Arrays.toString(dims) + " " + type + " @" + offset + " (" + bytes + " bytes)";
    }
}
