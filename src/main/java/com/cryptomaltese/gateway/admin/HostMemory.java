package com.cryptomaltese.gateway.admin;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Host and process memory as an operator means it. The JVM's "free" memory excludes the page cache, which on a
 * busy server is most of the RAM, so it would cry wolf; Linux's {@code MemAvailable} counts what
 * can be reclaimed. In a container the JVM's total is the container limit, and wins.
 */
final class HostMemory {

    private HostMemory() {
    }

    static SystemStatus.Host read() {
        com.sun.management.OperatingSystemMXBean os =
                (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        long total = os.getTotalMemorySize();
        long available = os.getFreeMemorySize();
        long memAvailable = memAvailableFromProc();
        if (memAvailable > 0) {
            available = Math.min(total, Math.max(available, memAvailable));
        }
        return new SystemStatus.Host(total, available, SystemStatusService.percent(total - available, total));
    }

    /** The gateway's resident set and its peak, or null where /proc does not say. */
    static SystemStatus.Process process() {
        Path status = Path.of("/proc/self/status");
        long resident = kilobytes(status, "VmRSS:");
        long peak = kilobytes(status, "VmHWM:");
        return resident > 0 && peak > 0 ? new SystemStatus.Process(resident, peak) : null;
    }

    private static long memAvailableFromProc() {
        return kilobytes(Path.of("/proc/meminfo"), "MemAvailable:");
    }

    /** A "Name:   123 kB" line of a /proc file, in bytes; -1 when absent. */
    private static long kilobytes(Path file, String key) {
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
