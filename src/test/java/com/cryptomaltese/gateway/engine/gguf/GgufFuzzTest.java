package com.cryptomaltese.gateway.engine.gguf;

import static com.cryptomaltese.gateway.engine.gguf.GgufBuilder.ARRAY;
import static com.cryptomaltese.gateway.engine.gguf.GgufBuilder.BOOL;
import static com.cryptomaltese.gateway.engine.gguf.GgufBuilder.FLOAT32;
import static com.cryptomaltese.gateway.engine.gguf.GgufBuilder.STRING;
import static com.cryptomaltese.gateway.engine.gguf.GgufBuilder.header;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Seeded mutations of a valid header: every attempt must either read or throw a GgufException,
 * never another exception or error (no BufferUnderflow, NegativeArraySize, OutOfMemoryError, ...).
 */
class GgufFuzzTest {

    private static final int ITERATIONS = 4000;
    private static final long[] BIG = {-1L, 1L << 63, 1L << 62, 1L << 32, 0xFFFF_FFFFL, Integer.MAX_VALUE,
            1L << 31, 0, 5, 13, 1 << 20};

    @TempDir
    Path dir;

    @Test
    void mutatedHeadersReadOrFailCleanly() throws Exception {
        GgufBuilder b = header(3, 2, 5)
                .kvString("general.architecture", "llama")
                .str("llama.context_length").u32(GgufBuilder.UINT32).u32(256)
                .str("tokenizer.ggml.tokens").u32(ARRAY).u32(STRING).u64(3).str("<s>").str("a").str("b")
                .str("tokenizer.ggml.scores").u32(ARRAY).u32(FLOAT32).u64(3).f32(0).f32(-1).f32(-2)
                .str("nested").u32(ARRAY).u32(ARRAY).u64(1).u32(BOOL).u64(2).u8(1).u8(0)
                .tensor("token_embd.weight", 1, 0, 4, 3) // F16, 24 bytes
                .tensor("output_norm.weight", 0, 32, 4); // F32, 16 bytes
        int headerEnd = b.size();
        byte[] valid = b.align(32).zeros(48).build();
        Path path = dir.resolve("fuzz.gguf");
        assertThat(GgufReader.read(Files.write(path, valid)).tensors()).hasSize(2);

        Random random = new Random(20_261_126L);
        int read = 0;
        int refused = 0;
        for (int i = 0; i < ITERATIONS; i++) {
            int kind = random.nextInt(5);
            byte[] bytes = mutate(valid, headerEnd, kind, random);
            Files.write(path, bytes);
            try {
                GgufHeader h = GgufReader.read(path);
                assertThat(h.dataOffset()).isLessThanOrEqualTo(bytes.length + 31L);
                for (GgufTensor t : h.tensors()) {
                    assertThat(h.dataOffset() + t.offset() + t.bytes()).isLessThanOrEqualTo(bytes.length);
                }
                h.describe();
                read++;
            } catch (GgufException expected) {
                assertThat(expected.getMessage()).startsWith(path.toString());
                refused++;
            } catch (Throwable other) {
                fail("iteration " + i + " (mutation " + kind + ") threw " + other + " for " + Arrays.toString(bytes),
                        other);
            }
        }
        // both outcomes must occur, or the mutations are not exercising the reader
        assertThat(read).isGreaterThan(ITERATIONS / 50);
        assertThat(refused).isGreaterThan(ITERATIONS / 2);
    }

    private static byte[] mutate(byte[] valid, int headerEnd, int kind, Random random) {
        byte[] bytes = valid.clone();
        switch (kind) {
            case 0 -> { // flip a few random bits in the header
                int flips = 1 + random.nextInt(3);
                for (int f = 0; f < flips; f++) {
                    bytes[random.nextInt(headerEnd)] ^= (byte) (1 << random.nextInt(8));
                }
            }
            case 1 -> bytes = Arrays.copyOf(bytes, random.nextInt(bytes.length)); // truncate
            case 2 -> { // a big or odd 64-bit integer anywhere in the header (hits counts and lengths)
                int at = random.nextInt(headerEnd - 8);
                ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).putLong(at, BIG[random.nextInt(BIG.length)]);
            }
            case 3 -> { // a 32-bit integer anywhere (hits types, n_dims, version)
                int at = random.nextInt(headerEnd - 4);
                ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).putInt(at, (int) BIG[random.nextInt(BIG.length)]);
            }
            default -> { // random byte values
                int n = 1 + random.nextInt(4);
                for (int f = 0; f < n; f++) {
                    bytes[random.nextInt(headerEnd)] = (byte) random.nextInt(256);
                }
            }
        }
        return bytes;
    }
}
