package com.cryptomaltese.gateway.engine.weights;

import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * The element types we read. Everything is delivered as F32, so only types that convert to F32
 * exactly are listed; quantised and integer types are refused when the file is opened rather than
 * half-supported.
 */
public enum DType {
    F32(4),
    F16(2),
    BF16(2);

    private final int bytes;

    DType(int bytes) {
        this.bytes = bytes;
    }

    /** Bytes per element in the file. */
    public int bytes() {
        return bytes;
    }

    /** The safetensors spelling ({@code "F32"}, ...), or {@code null} if we do not support it. */
    static DType fromName(String name) {
        for (DType d : values()) {
            if (d.name().equals(name)) {
                return d;
            }
        }
        return null;
    }

    static String supportedNames() {
        return Arrays.stream(values()).map(Enum::name).collect(Collectors.joining(", "));
    }
}
