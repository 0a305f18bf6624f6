package com.cryptomaltese.gateway.engine.weights;

import java.util.Arrays;

/**
 * Where one tensor lives: its type, shape and byte range. {@code byteOffset} is absolute in the
 * file (header included), so a reader can map it directly.
 */
public record TensorInfo(String name, DType dtype, long[] shape, long byteOffset, long byteLength) {

    public TensorInfo {
        shape = shape.clone(); // records with arrays: copy so the info stays immutable
    }

    @Override
    public long[] shape() {
        return shape.clone();
    }

    /** Product of the shape (1 for a scalar); the header validation guarantees it fits a long. */
    public long elementCount() {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        return n;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TensorInfo t && name.equals(t.name) && dtype == t.dtype && Arrays.equals(shape, t.shape)
                && byteOffset == t.byteOffset && byteLength == t.byteLength;
    }

    @Override
    public int hashCode() {
        return name.hashCode() * 31 + Arrays.hashCode(shape);
    }

    @Override
    public String toString() {
        return name + " " + dtype + Arrays.toString(shape) + " @" + byteOffset + "+" + byteLength;
    }
}
