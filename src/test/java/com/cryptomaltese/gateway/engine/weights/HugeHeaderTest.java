package com.cryptomaltese.gateway.engine.weights;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A header just under the 100 MB limit, filled with the smallest valid entries (1.7 million empty
 * tensors), opens in a 1 GB heap (512 MB suffices; the margin keeps the test steady). Read into a JSON
 * tree it took about 7 GB, so a hostile file could exhaust the gateway's heap while the engine checked
 * it. In a JVM of its own, to give it that heap.
 */
class HugeHeaderTest {

    @TempDir
    Path dir;

    @Test
    void aHeaderOfAMillionTensorsOpensInABoundedHeap() throws Exception {
        Path file = dir.resolve("huge.safetensors");
        int tensors = writeHeaderOfEmptyTensors(file, SafetensorsFile.MAX_HEADER_BYTES - 1024);
        assertThat(tensors).isGreaterThan(1_500_000);

        Path log = dir.resolve("child.log");
        Process child = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx1g", "-cp", System.getProperty("java.class.path"), HugeHeaderChild.class.getName(), file.toString())
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try {
            assertThat(child.waitFor(120, TimeUnit.SECONDS)).as("the child ended within 120 s").isTrue();
        } finally {
            child.destroyForcibly();
        }
        String output = Files.readString(log, StandardCharsets.UTF_8);
        assertThat(output).as(output).contains("tensors: " + tensors);
        assertThat(child.exitValue()).as(output).isZero();
    }

    /** As many {@code "t…":{"dtype":"F32","shape":[0],"data_offsets":[0,0]}} as fit; returns their count. */
    private static int writeHeaderOfEmptyTensors(Path file, long headerBytes) throws IOException {
        StringBuilder json = new StringBuilder((int) headerBytes).append('{');
        int count = 0;
        while (true) {
            String entry = (count == 0 ? "" : ",") + "\"t" + count + "\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[0,0]}";
            if (json.length() + entry.length() + 1 > headerBytes) {
                break;
            }
            json.append(entry);
            count++;
        }
        byte[] header = json.append('}').toString().getBytes(StandardCharsets.US_ASCII);
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(file))) {
            out.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(header.length).array());
            out.write(header);
        }
        return count;
    }
}
