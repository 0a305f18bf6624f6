package com.cryptomaltese.gateway.model;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Memory as the kernel counts it, from {@code /proc} (Linux). Model weights live outside the JVM
 * heap (mapped files, native tensors), so only the resident set shows a load or an unload.
 */
public final class ProcessMemory {

    private static final Path STATUS = Path.of("/proc/self/status");

    private ProcessMemory() {
    }

    /** This process's resident set (VmRSS), in bytes; -1 where /proc does not say. */
    public static long residentBytes() {
        return kilobytes(STATUS, "VmRSS:");
    }

    /** The peak of the resident set since the start (VmHWM), in bytes; -1 where /proc does not say. */
    public static long peakResidentBytes() {
        return kilobytes(STATUS, "VmHWM:");
    }

    /** A "Name:   123 kB" line of a /proc file, in bytes; -1 when absent. */
    public static long kilobytes(Path file, String key) {
        if (!Files.isReadable(file)) {
            return -1;
        }
        try {
            for (String line : Files.readAllLines(file)) {
                if (line.startsWith(key)) {
                    return Long.parseLong(line.replaceAll("\\D", "")) * 1024;
                }
            }
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
        return -1;
    }
}
