package com.cryptomaltese.gateway.engine.gguf;

import static com.cryptomaltese.gateway.engine.gguf.GgufBuilder.ARRAY;
import static com.cryptomaltese.gateway.engine.gguf.GgufBuilder.BOOL;
import static com.cryptomaltese.gateway.engine.gguf.GgufBuilder.STRING;
import static com.cryptomaltese.gateway.engine.gguf.GgufBuilder.UINT32;
import static com.cryptomaltese.gateway.engine.gguf.GgufBuilder.UINT64;
import static com.cryptomaltese.gateway.engine.gguf.GgufBuilder.UINT8;
import static com.cryptomaltese.gateway.engine.gguf.GgufBuilder.header;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Hand-built headers, valid ones to pin the layout and broken ones that must be refused in Java. */
class GgufMalformedTest {

    private static final int F32 = 0, Q8_0 = 8, Q4_0 = 2;

    @TempDir
    Path dir;

    /** Writes the bytes and returns the message of the GgufException the reader must throw. */
    private String refused(GgufBuilder b) throws Exception {
        Path file = b.write(dir.resolve("bad.gguf"));
        Throwable t = org.assertj.core.api.Assertions.catchThrowable(() -> GgufReader.read(file));
        assertThat(t).isInstanceOf(GgufException.class);
        assertThat(t.getMessage()).startsWith(file.toString() + ": ");
        return t.getMessage();
    }

    /** One F32 [8] tensor "t" at offset 0 preceded by one string key/value. */
    private static GgufBuilder oneTensor(long offset, int type, long... dims) {
        return header(3, 1, 1).kvString("general.architecture", "llama").tensor("t", type, offset, dims);
    }

    @Test
    void smallValidFileReadsWithComputedLayout() throws Exception {
        GgufBuilder b = header(2, 2, 3)
                .kvString("general.architecture", "tiny")
                .kvU32("tiny.context_length", 128)
                .str("tokenizer.ggml.tokens").u32(ARRAY).u32(STRING).u64(2).str("a").str("bé")
                .tensor("w", Q8_0, 0, 64, 2)   // 128 elements = 4 blocks of 34 bytes = 136
                .tensor("n", F32, 160, 3);     // 12 bytes at the next aligned offset
        int infosEnd = b.size();
        b.align(32).zeros(160 + 12);
        GgufHeader h = GgufReader.read(b.write(dir.resolve("ok.gguf")));
        assertThat(h.version()).isEqualTo(2);
        assertThat(h.dataOffset()).isEqualTo((infosEnd + 31) / 32 * 32);
        assertThat(h.tensors()).containsExactly(new GgufTensor("w", new long[] {64, 2}, GgmlType.Q8_0, 0, 136),
                new GgufTensor("n", new long[] {3}, GgmlType.F32, 160, 12));
        assertThat(h.metadata()).containsEntry("tokenizer.ggml.tokens", List.of("a", "bé"));
        assertThat(h.describe()).isEqualTo("tiny (GGUF v2, Q8_0, context 128)");
    }

    @Test
    void customAlignmentMovesTheDataSection() throws Exception {
        GgufBuilder b = header(3, 1, 1).kvU32("general.alignment", 64).tensor("t", F32, 64, 4);
        b.align(64).zeros(64 + 16);
        GgufHeader h = GgufReader.read(b.write(dir.resolve("a.gguf")));
        assertThat(h.alignment()).isEqualTo(64);
        assertThat(h.dataOffset() % 64).isZero();
        assertThat(h.tensors().get(0).offset()).isEqualTo(64);
    }

    @Test
    void tooShortAndBadMagic() throws Exception {
        assertThat(refused(new GgufBuilder().raw("GGUF".getBytes())))
                .contains("too short for a GGUF header");
        assertThat(refused(new GgufBuilder().raw("GGUX".getBytes()).u32(3).u64(0).u64(0)))
                .contains("bad magic 0x58554747");
    }

    @Test
    void unsupportedVersions() throws Exception {
        assertThat(refused(header(1, 0, 0))).contains("unsupported GGUF version 1 (supported: 2, 3)");
        assertThat(refused(header(99, 0, 0))).contains("unsupported GGUF version 99");
    }

    @Test
    void countsBeyondTheFile() throws Exception {
        assertThat(refused(header(3, 1L << 63, 0).zeros(100)))
                .contains("tensor count 9223372036854775808 cannot fit in the 100 bytes left");
        assertThat(refused(header(3, 0, 1000).kvU32("a", 1)))
                .contains("metadata count 1000 cannot fit in the 17 bytes left");
        assertThat(refused(header(3, 3, 3).zeros(100)))
                .contains("3 key/values and 3 tensor infos cannot fit in the 100 bytes left");
    }

    @Test
    void strings() throws Exception {
        // key length far past the end (the example)
        assertThat(refused(header(3, 0, 1).u64(-1L).zeros(12)))
                .contains("metadata key #0: string length 18446744073709551615 exceeds the 12 bytes left");
        // string value cut off: declares 50 bytes, 10 present
        assertThat(refused(header(3, 0, 1).str("general.name").u32(STRING).u64(50).raw("0123456789".getBytes())))
                .contains("metadata 'general.name' (#0): string length 50 exceeds the 10 bytes left");
        // not UTF-8
        assertThat(refused(header(3, 0, 1).str("k").u32(STRING).u64(2).raw((byte) 0xC3, (byte) 0x28).zeros(8)))
                .contains("metadata 'k' (#0): string of 2 bytes is not valid UTF-8");
        assertThat(refused(header(3, 0, 1).str("").u32(UINT8).u8(1))).contains("empty key");
    }

    @Test
    void truncatedFixedSizeValue() throws Exception {
        assertThat(refused(header(3, 0, 1).str("k").u32(UINT64).u32(7)))
                .contains("metadata 'k' (#0): truncated: value need 8 bytes, 4 left");
    }

    @Test
    void unknownTypesAndBadValues() throws Exception {
        assertThat(refused(header(3, 0, 1).str("k").u32(13).u64(0)))
                .contains("metadata 'k' (#0): unknown value type 13");
        assertThat(refused(header(3, 0, 1).str("k").u32(ARRAY).u32(42).u64(1).u64(0)))
                .contains("unknown array element type 42");
        assertThat(refused(header(3, 0, 1).str("k").u32(BOOL).u8(2).zeros(8)))
                .contains("bool value 2 is neither 0 nor 1");
        assertThat(refused(header(3, 0, 2).kvU32("k", 1).kvU32("k", 2))).contains("metadata 'k' (#1): duplicate key");
    }

    @Test
    void arrays() throws Exception {
        assertThat(refused(header(3, 0, 1).str("tokenizer.ggml.tokens").u32(ARRAY).u32(STRING).u64(-1L).zeros(16)))
                .contains("metadata 'tokenizer.ggml.tokens' (#0): array count 18446744073709551615 of 8-byte elements exceeds the 16 bytes left");
        assertThat(refused(header(3, 0, 1).str("k").u32(ARRAY).u32(UINT32).u64(5).u32(1).u32(2)))
                .contains("array count 5 of 4-byte elements exceeds the 8 bytes left");
        // bounded element total across the header, even when the file is large enough
        int tooMany = (int) GgufReader.MAX_ARRAY_ELEMENTS + 1;
        assertThat(refused(header(3, 0, 1).str("big").u32(ARRAY).u32(UINT8).u64(tooMany).zeros(tooMany)))
                .contains("metadata 'big' (#0): array count 8388609 exceeds the limit of 8388608 array elements");
        GgufBuilder deep = header(3, 0, 1).str("deep").u32(ARRAY);
        for (int i = 0; i < 6; i++) {
            deep.u32(ARRAY).u64(1);
        }
        deep.u32(UINT8).u64(1).u8(7);
        assertThat(refused(deep)).contains("metadata 'deep' (#0) element #0 element #0 element #0 element #0: arrays nested deeper than 4");
        // four levels are fine
        GgufBuilder ok = header(3, 0, 1).str("nested").u32(ARRAY);
        for (int i = 0; i < 3; i++) {
            ok.u32(ARRAY).u64(1);
        }
        ok.u32(UINT8).u64(1).u8(7);
        assertThat(GgufReader.read(ok.write(dir.resolve("n.gguf"))).metadata().get("nested"))
                .isEqualTo(List.of(List.of(List.of(List.of(7)))));
    }

    @Test
    void alignmentMustBeAPowerOfTwoUint32() throws Exception {
        assertThat(refused(header(3, 0, 1).kvU32("general.alignment", 48)))
                .contains("metadata 'general.alignment': alignment 48 is not a power of two");
        assertThat(refused(header(3, 0, 1).kvU32("general.alignment", 0))).contains("alignment 0 is not a power of two");
        assertThat(refused(header(3, 0, 1).kvString("general.alignment", "32"))).contains("alignment must be a UINT32");
    }

    @Test
    void tensorTypeAndDims() throws Exception {
        assertThat(refused(oneTensor(0, 99, 8).zeros(64))).contains("tensor #0 't': unknown ggml type 99");
        assertThat(refused(oneTensor(0, 4, 8).zeros(64))).contains("unknown ggml type 4"); // retired Q4_2
        assertThat(refused(oneTensor(0, F32, 1, 1, 1, 1, 1).zeros(64))).contains("tensor #0 't': n_dims 5 is not in 0..4");
        assertThat(refused(oneTensor(0, F32, 8, 0).zeros(64))).contains("dimension 1 is 0, must be positive");
        assertThat(refused(oneTensor(0, F32, -1L).zeros(64))).contains("dimension 0 is 18446744073709551615, must be positive");
        assertThat(refused(oneTensor(0, F32, 1L << 32, 1L << 32).zeros(64)))
                .contains("dimensions [4294967296, 4294967296] overflow the element count");
        assertThat(refused(oneTensor(0, F32, 1L << 40, 1L << 22).zeros(64)))
                .contains("byte size of 4611686018427387904 F32 elements overflows");
        assertThat(refused(oneTensor(0, Q4_0, 10).zeros(64)))
                .contains("first dimension 10 is not a multiple of the Q4_0 block size 32");
    }

    @Test
    void tensorPlacement() throws Exception {
        assertThat(refused(oneTensor(1024, F32, 4).align(32).zeros(16)))
                .contains("data section: tensor 't' at data offset 1024 with 16 bytes ends past the end of the file (data section has 16 bytes)");
        assertThat(refused(oneTensor(0, F32, 8).align(32).zeros(16)))
                .contains("tensor 't' at data offset 0 with 32 bytes ends past the end of the file");
        assertThat(refused(oneTensor(-8L, F32, 4).align(32).zeros(16)))
                .contains("offset 18446744073709551608 is past the end of the file");
        assertThat(refused(oneTensor(4, F32, 4).align(32).zeros(64)))
                .contains("tensor #0 't': offset 4 is not a multiple of the alignment 32");
        GgufBuilder overlap = header(3, 2, 0).tensor("a", F32, 0, 16).tensor("b", F32, 32, 8);
        assertThat(refused(overlap.align(32).zeros(128)))
                .contains("tensor 'b' at data offset 32 overlaps tensor 'a' (0 + 64 bytes)");
        GgufBuilder same = header(3, 2, 0).tensor("a", F32, 0, 4).tensor("a", F32, 32, 4);
        assertThat(refused(same.align(32).zeros(64))).contains("duplicate tensor name 'a'");
    }
}
