package com.cryptomaltese.gateway.engine.weights;

/**
 * 16-bit float formats to F32. Written out by hand because {@code Float.float16ToFloat} is Java 20+
 * and DJL's PyTorch JNI aborts the JVM on BF16, so the conversion has to happen here, in Java.
 */
final class HalfFloat {

    private HalfFloat() {
    }

    /** IEEE 754 binary16 (1 sign, 5 exponent, 10 mantissa bits) to float; exact for every input. */
    static float f16ToFloat(short half) {
        int h = half & 0xFFFF;
        int sign = (h & 0x8000) << 16;
        int exponent = (h >>> 10) & 0x1F;
        int mantissa = h & 0x3FF;
        if (exponent == 0x1F) {
            // Inf (mantissa 0) or NaN; the NaN payload moves to the top of the float mantissa.
            return Float.intBitsToFloat(sign | 0x7F80_0000 | (mantissa << 13));
        }
        if (exponent != 0) {
            // Normal: rebias the exponent from 15 to 127 (difference 112).
            return Float.intBitsToFloat(sign | ((exponent + 112) << 23) | (mantissa << 13));
        }
        // Zero or subnormal: the value is mantissa * 2^-24, exact in float arithmetic.
        float magnitude = mantissa * 0x1p-24f;
        return sign != 0 ? -magnitude : magnitude;
    }

    /** bfloat16 is the top half of a float, so widening is a shift. */
    static float bf16ToFloat(short bf16) {
        return Float.intBitsToFloat((bf16 & 0xFFFF) << 16);
    }
}
