package com.cryptomaltese.gateway.admin;

import java.lang.management.ManagementFactory;
import java.nio.file.Path;

import com.cryptomaltese.gateway.model.ProcessMemory;

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
        long resident = ProcessMemory.residentBytes();
        long peak = ProcessMemory.peakResidentBytes();
        return resident > 0 && peak > 0 ? new SystemStatus.Process(resident, peak) : null;
    }

    private static long memAvailableFromProc() {
        return ProcessMemory.kilobytes(Path.of("/proc/meminfo"), "MemAvailable:");
    }
}
