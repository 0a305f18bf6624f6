package com.cryptomaltese.gateway.engine.weights;

import static com.cryptomaltese.gateway.engine.weights.SafetensorsBuilder.bits16;
import static com.cryptomaltese.gateway.engine.weights.SafetensorsBuilder.f32;
import static com.cryptomaltese.gateway.engine.weights.SafetensorsBuilder.shape;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Deterministic mutations of a valid file: every attempt must either read cleanly or throw a
 * SafetensorsException, never anything else (no NPE, OOM, BufferUnderflow, ...).
 */
class SafetensorsFuzzTest {

    private static final int ITERATIONS = 3000;
    private static final byte[] JSON_CHARS = "{}[]\":,-0123456789.eE tFBI_".getBytes();

    @TempDir
    Path dir;

    @Test
    void mutatedFilesOpenOrFailCleanly() throws Exception {
        byte[] valid = new SafetensorsBuilder()
                .tensor("a.weight", "F32", shape(2, 2), f32(1, 2, 3, 4))
                .tensor("b", "F16", shape(3), bits16(0x3C00, 0x7C00, 0x0001))
                .tensor("c", "BF16", shape(1, 2), bits16(0x3F80, 0x7FC0))
                .metadata("format", "pt")
                .build();
        int headerLength = (int) ByteBuffer.wrap(valid).order(ByteOrder.LITTLE_ENDIAN).getLong();
        Random random = new Random(20_240_611L);
        Path path = dir.resolve("fuzz.safetensors");
        int opened = 0;
        int refused = 0;
        for (int i = 0; i < ITERATIONS; i++) {
            int kind = random.nextInt(4);
            byte[] bytes = mutate(valid, headerLength, kind, random);
            SafetensorsBuilder.write(path, bytes);
            try (SafetensorsFile file = SafetensorsFile.open(path)) {
                for (TensorInfo t : file.tensors().values()) {
                    assertThat(file.load(t.name())).hasSize((int) t.elementCount());
                }
                opened++;
            } catch (SafetensorsException expected) {
                refused++;
            } catch (Throwable other) {
                fail("iteration " + i + " (mutation " + kind + ") threw " + other + " for " + Arrays.toString(bytes),
                        other);
            }
        }
        // Both outcomes must actually occur, or the mutations are not exercising the reader.
        assertThat(opened).isPositive();
        assertThat(refused).isPositive();
    }

    private static byte[] mutate(byte[] valid, int headerLength, int kind, Random random) {
        byte[] b = valid.clone();
        switch (kind) {
            case 0 -> { // random bytes anywhere in the header
                for (int n = 1 + random.nextInt(4); n > 0; n--) {
                    b[8 + random.nextInt(headerLength)] = (byte) random.nextInt(256);
                }
            }
            case 1 -> { // JSON-ish characters, to get past the parser into the validation
                b[8 + random.nextInt(headerLength)] = JSON_CHARS[random.nextInt(JSON_CHARS.length)];
            }
            case 2 -> b = Arrays.copyOf(b, random.nextInt(b.length)); // truncation
            default -> { // a lying length prefix: near the truth, anywhere in the file, or any long
                long length = switch (random.nextInt(3)) {
                    case 0 -> headerLength + random.nextInt(17) - 8;
                    case 1 -> random.nextInt(b.length + 16);
                    default -> random.nextLong();
                };
                ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putLong(0, length);
            }
        }
        return b;
    }
}
