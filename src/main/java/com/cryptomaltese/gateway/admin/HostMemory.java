package com.cryptomaltese.gateway.admin;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Host memory as an operator means it. The JVM's "free" memory excludes the page cache, which on a
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

    private static long memAvailableFromProc() {
        Path meminfo = Path.of("/proc/meminfo");
        if (!Files.isReadable(meminfo)) {
            return -1;
        }
        try {
            for (String line : Files.readAllLines(meminfo)) {
                if (line.startsWith("MemAvailable:")) {
                    return Long.parseLong(line.replaceAll("\\D", "")) * 1024;
                }
            }
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
        return -1;
    }
}
