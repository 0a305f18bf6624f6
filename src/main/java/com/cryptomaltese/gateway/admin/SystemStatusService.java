package com.cryptomaltese.gateway.admin;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.lang.management.MemoryUsage;
import java.nio.file.FileStore;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import com.cryptomaltese.gateway.GatewayProperties;
import com.cryptomaltese.gateway.model.ModelService;
import org.springframework.stereotype.Component;

/**
 * Measures, on each call, the data directory's filesystem, JVM and host memory and the loaded
 * model, and rates them against the configured thresholds.
 */
@Component
public class SystemStatusService {

    private final GatewayProperties properties;
    private final ModelService models;
    private final MaintenanceRuns runs;

    SystemStatusService(GatewayProperties properties, ModelService models, MaintenanceRuns runs) {
        this.properties = properties;
        this.models = models;
        this.runs = runs;
    }

    public SystemStatus status() {
        SystemStatus.Disk disk = disk();
        SystemStatus.Memory memory = new SystemStatus.Memory(jvm(), HostMemory.read(), HostMemory.process());
        List<String> warnings = new ArrayList<>();
        String status = rate(warnings, "disk", disk.usedPercent());
        status = worse(status, rate(warnings, "host memory", memory.system().usedPercent()));
        status = worse(status, rate(warnings, "JVM heap", memory.jvm().heapUsedPercent()));
        SystemStatus.LastUnload unload = models.lastUnload()
                .map(u -> new SystemStatus.LastUnload(u.id().toString(), u.unloadedAt(), u.modelMemoryBytes(),
                        u.residentBytesBefore(), u.residentBytesAfter(),
                        u.residentBytesBefore() < 0 || u.residentBytesAfter() < 0 ? 0
                                : u.residentBytesBefore() - u.residentBytesAfter()))
                .orElse(null);
        SystemStatus.Model model = models.current()
                .map(m -> new SystemStatus.Model(true, m.id().toString(), m.engine(), m.loadedAt(),
                        m.model().memoryBytes(), unload))
                .orElse(new SystemStatus.Model(false, null, null, null, 0, unload));
        SystemStatus.LastCleanup last = runs.latest()
                .map(r -> new SystemStatus.LastCleanup(r.kind(), r.operations(), r.filesRemoved(), r.spaceFreed(),
                        r.triggeredBy(), r.completedAt()))
                .orElse(null);
        long uptime = ManagementFactory.getRuntimeMXBean().getUptime() / 1000;
        return new SystemStatus(status, warnings, Instant.now(), uptime, disk, memory, model, last);
    }

    private String rate(List<String> warnings, String what, double usedPercent) {
        GatewayProperties.Status thresholds = properties.status();
        if (usedPercent >= thresholds.criticalPercent()) {
            warnings.add(what + " " + round(usedPercent) + "% used (critical at " + thresholds.criticalPercent() + "%)");
            return "critical";
        }
        if (usedPercent >= thresholds.warningPercent()) {
            warnings.add(what + " " + round(usedPercent) + "% used (warning at " + thresholds.warningPercent() + "%)");
            return "warning";
        }
        return "healthy";
    }

    private static String worse(String a, String b) {
        List<String> order = List.of("healthy", "warning", "critical");
        return order.indexOf(a) >= order.indexOf(b) ? a : b;
    }

    private SystemStatus.Disk disk() {
        Path data = properties.dataDir().toAbsolutePath().normalize();
        try {
            Files.createDirectories(data);
            FileStore store = Files.getFileStore(data);
            // As df counts: blocks the filesystem reserves for root (ext4: 5 %) are neither used nor
            // available, so used is total - free and the share used is used / (used + available).
            long total = store.getTotalSpace();
            long used = total - store.getUnallocatedSpace();
            long available = store.getUsableSpace();
            return new SystemStatus.Disk(data.toString(), total, used, available, percent(used, used + available),
                    sizeOf(data));
        } catch (IOException e) {
            throw new IllegalStateException("cannot read the filesystem of " + data, e);
        }
    }

    private static SystemStatus.Jvm jvm() {
        MemoryMXBean bean = ManagementFactory.getMemoryMXBean();
        MemoryUsage heap = bean.getHeapMemoryUsage();
        long max = heap.getMax() > 0 ? heap.getMax() : heap.getCommitted();
        return new SystemStatus.Jvm(heap.getUsed(), heap.getCommitted(), max, percent(heap.getUsed(), max),
                bean.getNonHeapMemoryUsage().getUsed());
    }

    static double percent(long part, long whole) {
        return whole <= 0 ? 0 : round(100.0 * part / whole);
    }

    private static double round(double value) {
        return Math.round(value * 10) / 10.0;
    }

    /** Bytes of regular files under {@code root}, links not followed. */
    private static long sizeOf(Path root) throws IOException {
        long[] total = {0};
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
                total[0] += attrs.isRegularFile() ? attrs.size() : 0;
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path file, IOException e) {
                return FileVisitResult.CONTINUE;
            }
        });
        return total[0];
    }
}
