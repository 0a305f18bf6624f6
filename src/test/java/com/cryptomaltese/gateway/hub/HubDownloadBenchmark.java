package com.cryptomaltese.gateway.hub;

import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Random;

import com.cryptomaltese.gateway.model.ModelId;
import org.springframework.util.unit.DataSize;

/**
 * The gateway's side of the download benchmark (tools/bench/download.sh): one download of
 * {@code bench/one-gib} from {@link com.cryptomaltese.gateway.bench.HubBenchServer} by the gateway's
 * own {@link DownloadManager}, as POST /models/download runs it (listing, redirect, transfer, sha256
 * check, atomic rename, snapshot links, record), into an empty models folder. Not a test: a program.
 *
 * <pre>java -cp ... com.cryptomaltese.gateway.hub.HubDownloadBenchmark ENDPOINT MODELS_DIR [RUNS]</pre>
 * Downloads RUNS times (default 2) in this JVM, each into an emptied folder: the first "cold" (class
 * loading and JIT compilation of the whole path included), the others "warm", as in a running
 * gateway. Prints "{cold,warm}_gateway_seconds=", "..._mb_per_s=" (10^6 bytes) and "..._cpu_seconds="
 * (this process's CPU time during the download, all threads, JIT and GC included), then
 * "sha256_ceiling_mb_per_s=": SHA-256 alone over 1 GiB, the bound of any verified download.
 */
public final class HubDownloadBenchmark {

    private HubDownloadBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        String endpoint = args[0];
        Path models = Path.of(args[1]);
        int runs = args.length > 2 ? Integer.parseInt(args[2]) : 2;
        System.out.println("gateway_sha256=" + Sha256.implementation());
        for (int run = 1; run <= runs; run++) {
            download(endpoint, models, run);
        }
        System.out.printf(Locale.ROOT, "sha256_ceiling_mb_per_s=%.1f%n", sha256Ceiling());
    }

    /**
     * How fast this machine computes SHA-256 at all, the way a download does (4 MiB direct buffers,
     * one thread, nothing else running): no verified download of one file can be faster.
     */
    private static double sha256Ceiling() {
        ByteBuffer buffer = ByteBuffer.allocateDirect(4 << 20);
        new Random(1).ints(buffer.capacity() / 4).forEach(buffer::putInt);
        buffer.flip();
        long bytes = 1L << 30;
        long t0 = System.nanoTime();
        try (Sha256 sha256 = Sha256.create()) {
            for (long done = 0; done < bytes; done += buffer.remaining()) {
                sha256.update(buffer);
            }
            sha256.hex();
        }
        return bytes / ((System.nanoTime() - t0) / 1e9) / 1e6;
    }

    private static void download(String endpoint, Path models, int run) throws Exception {
        DownloadManager.deleteTree(models);
        Files.createDirectories(models);
        DownloadManager manager = new DownloadManager(new HubProperties(endpoint, null, 4, 4, Duration.ofMillis(500),
                Duration.ofSeconds(5), Duration.ofSeconds(10), Duration.ofSeconds(60), DataSize.ofMegabytes(64), null, null),
                models, id -> false);
        ModelId id = ModelId.parse("bench/one-gib", "model_name");
        var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        long cpu0 = os.getProcessCpuTime();
        long t0 = System.nanoTime();
        manager.start(id, null, null, null, null);
        while (manager.downloading(id)) {
            Thread.sleep(2);
        }
        long t1 = System.nanoTime();
        long cpu1 = os.getProcessCpuTime();
        DownloadProgress done = manager.progress(id).orElseThrow();
        manager.shutdown();
        if (!done.status().equals("completed")) {
            throw new IllegalStateException("the download failed: " + done.error());
        }
        double seconds = (t1 - t0) / 1e9;
        String run0 = run == 1 ? "cold" : "warm";
        System.out.printf(Locale.ROOT, "%s_gateway_seconds=%.3f%n%s_gateway_mb_per_s=%.1f%n%s_gateway_cpu_seconds=%.2f%n",
                run0, seconds, run0, done.bytesTotal() / seconds / 1e6, run0, (cpu1 - cpu0) / 1e9);
    }
}
