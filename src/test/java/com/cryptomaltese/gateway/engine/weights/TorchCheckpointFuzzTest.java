package com.cryptomaltese.gateway.engine.weights;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Deterministic mutations of a real torch.save file, of its pickle and of the zip around it:
 * every attempt must either read cleanly or throw a TorchCheckpointException, never anything else
 * (no NPE, ClassCast, OOM, StackOverflow, ZipException, ...) and never hang.
 */
class TorchCheckpointFuzzTest {

    private static final int ITERATIONS = 2500;
    /** Opcodes the unpickler knows, so that insertions get past the first check. */
    private static final byte[] OPCODES = {(byte) 0x80, (byte) 0x95, '.', '(', '}', ']', ')', 'N', (byte) 0x88,
        (byte) 0x89, 'J', 'K', 'M', (byte) 0x8a, 'G', 'X', (byte) 0x8c, 't', (byte) 0x85, (byte) 0x86, (byte) 0x87,
        's', 'u', 'a', 'e', 'c', (byte) 0x93, 'R', 'b', 'Q', 'q', 'r', (byte) 0x94, 'h', 'j'};

    @TempDir
    Path dir;

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void mutatedCheckpointsOpenOrFailCleanly() throws Exception {
        Path original = TorchZips.FIXTURES.resolve("dtypes-p2.pt");
        byte[] zipBytes = Files.readAllBytes(original);
        Map<String, byte[]> entries = TorchZips.entries(original);
        String pklName = "dtypes-p2/data.pkl";
        byte[] pkl = entries.get(pklName);
        Random random = new Random(20_250_611L);
        Path path = dir.resolve("fuzz.pt");
        int opened = 0;
        int refused = 0;
        for (int i = 0; i < ITERATIONS; i++) {
            int kind = random.nextInt(6);
            byte[] mutatedPickle = null;
            switch (kind) {
                case 0 -> { // random bytes in the pickle
                    mutatedPickle = pkl.clone();
                    for (int n = 1 + random.nextInt(3); n > 0; n--) {
                        mutatedPickle[random.nextInt(pkl.length)] = (byte) random.nextInt(256);
                    }
                }
                case 1 -> { // a known opcode in place of a byte, to get past the first check
                    mutatedPickle = pkl.clone();
                    mutatedPickle[random.nextInt(pkl.length)] = OPCODES[random.nextInt(OPCODES.length)];
                }
                case 2 -> { // small operands (lengths, counts, memo indexes) set to extremes
                    mutatedPickle = pkl.clone();
                    int at = random.nextInt(pkl.length);
                    mutatedPickle[at] = (byte) (random.nextBoolean() ? 0xFF : 0x00);
                }
                case 3 -> mutatedPickle = Arrays.copyOf(pkl, random.nextInt(pkl.length)); // truncated pickle
                case 4 -> { // random bytes anywhere in the zip
                    byte[] b = zipBytes.clone();
                    for (int n = 1 + random.nextInt(3); n > 0; n--) {
                        b[random.nextInt(b.length)] = (byte) random.nextInt(256);
                    }
                    Files.write(path, b);
                }
                default -> Files.write(path, Arrays.copyOf(zipBytes, random.nextInt(zipBytes.length))); // truncated zip
            }
            if (mutatedPickle != null) {
                Map<String, byte[]> copy = new LinkedHashMap<>(entries);
                copy.put(pklName, mutatedPickle);
                TorchZips.write(path, copy);
            }
            try (TorchCheckpoint ckpt = TorchCheckpoint.open(path)) {
                for (TensorInfo t : ckpt.tensors().values()) {
                    assertThat(ckpt.load(t.name())).hasSize((int) t.elementCount());
                }
                opened++;
            } catch (TorchCheckpointException expected) {
                assertThat(expected.getMessage()).startsWith(path.toString());
                refused++;
            } catch (Throwable other) {
                fail("iteration " + i + " (mutation " + kind + ") threw " + other, other);
            }
        }
        assertThat(opened).isPositive();
        assertThat(refused).isPositive();
    }
}
