package com.cryptomaltese.gateway.engine.weights;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class HalfFloatTest {

    @ParameterizedTest
    @CsvSource({
            "0x0000, 0.0",
            "0x3C00, 1.0",
            "0xC000, -2.0",
            "0x3555, 0.333251953125",
            "0x7BFF, 65504.0",
            "0x0400, 6.103515625E-5",   // smallest normal, 2^-14
            "0x03FF, 6.097555160522461E-5", // largest subnormal, 1023 * 2^-24
            "0x0001, 5.9604644775390625E-8", // smallest subnormal, 2^-24
            "0x8001, -5.9604644775390625E-8",
            "0x7C00, Infinity",
            "0xFC00, -Infinity"})
    void f16KnownBitPatterns(String hex, float expected) {
        assertThat(HalfFloat.f16ToFloat(bits(hex))).isEqualTo(expected);
    }

    @Test
    void f16NegativeZeroKeepsItsSign() {
        assertThat(Float.floatToRawIntBits(HalfFloat.f16ToFloat((short) 0x8000))).isEqualTo(0x8000_0000);
    }

    @ParameterizedTest
    @CsvSource({"0x7E00", "0x7C01", "0xFE00", "0x7FFF"})
    void f16NaNsStayNaN(String hex) {
        assertThat(HalfFloat.f16ToFloat(bits(hex))).isNaN();
    }

    /**
     * All 65536 patterns against the textbook formula, computed in double arithmetic: an
     * independent implementation, unlike the bit shuffling under test.
     */
    @Test
    void f16EveryPatternMatchesTheFormula() {
        for (int h = 0; h <= 0xFFFF; h++) {
            int sign = (h & 0x8000) != 0 ? -1 : 1;
            int exponent = (h >> 10) & 0x1F;
            int mantissa = h & 0x3FF;
            double expected = exponent == 0 ? sign * mantissa * Math.pow(2, -24)
                    : exponent == 31 ? (mantissa == 0 ? sign * Double.POSITIVE_INFINITY : Double.NaN)
                    : sign * (1 + mantissa / 1024.0) * Math.pow(2, exponent - 15);
            float actual = HalfFloat.f16ToFloat((short) h);
            if (Double.isNaN(expected)) {
                assertThat(actual).as("0x%04X", h).isNaN();
            } else {
                assertThat((double) actual).as("0x%04X", h).isEqualTo(expected);
            }
        }
    }

    @ParameterizedTest
    @CsvSource({
            "0x0000, 0.0",
            "0x3F80, 1.0",
            "0xC000, -2.0",
            "0x4049, 3.140625",
            "0x7F7F, 3.3895313892515355E38", // largest finite
            "0x0001, 9.183549615799121E-41", // smallest subnormal, 2^-133
            "0x7F80, Infinity",
            "0xFF80, -Infinity"})
    void bf16KnownBitPatterns(String hex, float expected) {
        assertThat(HalfFloat.bf16ToFloat(bits(hex))).isEqualTo(expected);
    }

    @Test
    void bf16NaNStaysNaN() {
        assertThat(HalfFloat.bf16ToFloat((short) 0x7FC0)).isNaN();
    }

    private static short bits(String hex) {
        return (short) Integer.parseInt(hex.substring(2), 16);
    }
}
