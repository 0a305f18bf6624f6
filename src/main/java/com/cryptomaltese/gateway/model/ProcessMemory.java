package com.cryptomaltese.gateway.model;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import com.sun.jna.Function;
import com.sun.jna.NativeLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Memory as the kernel counts it, from {@code /proc} (Linux). Model weights live outside the JVM
 * heap (mapped files, native tensors), so only the resident set shows a load or an unload.
 */
public final class ProcessMemory {

    private static final Logger log = LoggerFactory.getLogger(ProcessMemory.class);
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

    /**
     * Hands memory the C allocator holds free back to the system. A closed model's native memory is
     * freed into glibc's arenas, one per thread that allocated it, and a load on another thread does
     * not reuse it: without this, each unload and load would grow the process by a model's size.
     * True when it ran (glibc), false where there is no such call.
     */
    public static boolean releaseFreedMemory() {
        Function trim = Trim.MALLOC_TRIM;
        if (trim == null) {
            return false;
        }
        try {
            trim.invokeInt(new Object[] {new NativeLong(0)});
            return true;
        } catch (RuntimeException | LinkageError e) {
            log.debug("malloc_trim failed: {}", e.toString());
            return false;
        }
    }

    /** Looked up on first use only, so the /proc readers never depend on JNA loading. */
    private static final class Trim {
        /** glibc's {@code malloc_trim}; null elsewhere (musl, other systems) or when JNA cannot load. */
        static final Function MALLOC_TRIM = lookup();

        private static Function lookup() {
            try {
                return Function.getFunction("c", "malloc_trim");
            } catch (RuntimeException | LinkageError e) {
                log.info("No malloc_trim here ({}): freed native memory goes back as the allocator decides",
                        e.getMessage());
                return null;
            }
        }
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
