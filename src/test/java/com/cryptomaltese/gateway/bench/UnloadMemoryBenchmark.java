package com.cryptomaltese.gateway.bench;

import java.nio.file.Path;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import com.cryptomaltese.gateway.engine.LanguageModel;
import com.cryptomaltese.gateway.engine.djl.DjlEngine;
import com.cryptomaltese.gateway.model.ProcessMemory;

/**
 * Loads and unloads a safetensors model on the DJL engine again and again, each load and each close
 * on a thread of its own as HTTP requests do, and prints the process's resident memory: before the
 * load, loaded, closed (before the allocator is asked to give memory back) and after that. Not a
 * JUnit test: run by tools/bench/unload.sh.
 *
 *   UnloadMemoryBenchmark MODEL_DIR CYCLES
 */
public final class UnloadMemoryBenchmark {

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        int cycles = args.length > 1 ? Integer.parseInt(args[1]) : 4;
        DjlEngine engine = new DjlEngine();
        for (int cycle = 1; cycle <= cycles; cycle++) {
            long before = mb(ProcessMemory.residentBytes());
            ExecutorService loader = Executors.newSingleThreadExecutor();
            LanguageModel model = loader.submit(() -> engine.load(dir)).get();
            loader.shutdown();
            long loaded = mb(ProcessMemory.residentBytes());
            long[] closed = new long[2];
            Thread closer = new Thread(() -> {
                model.close();
                closed[0] = mb(ProcessMemory.residentBytes());
                ProcessMemory.releaseFreedMemory();
                closed[1] = mb(ProcessMemory.residentBytes());
            });
            closer.start();
            closer.join();
            System.out.printf("cycle=%d weights_mb=%d rss_before_mb=%d rss_loaded_mb=%d rss_closed_mb=%d rss_trimmed_mb=%d%n",
                    cycle, mb(model.memoryBytes()), before, loaded, closed[0], closed[1]);
        }
    }

    private static long mb(long bytes) {
        return bytes / 1_000_000;
    }
}
