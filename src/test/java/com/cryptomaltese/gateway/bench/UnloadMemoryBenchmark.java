package com.cryptomaltese.gateway.bench;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import com.cryptomaltese.gateway.engine.InferenceEngine;
import com.cryptomaltese.gateway.engine.LanguageModel;
import com.cryptomaltese.gateway.engine.djl.DjlEngine;
import com.cryptomaltese.gateway.engine.onnx.OnnxEngine;
import com.cryptomaltese.gateway.engine.torchscript.TorchScriptEngine;
import com.cryptomaltese.gateway.model.ProcessMemory;

/**
 * Loads and unloads a model again and again on the engine that claims its folder (DJL for safetensors,
 * ONNX Runtime, or DJL's TorchScript engine), each load and each close
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
        // The engines that need no settings; each claims only its own folders, as in the gateway.
        InferenceEngine engine = List.of(new TorchScriptEngine(), new OnnxEngine(), new DjlEngine()).stream()
                .filter(e -> e.supports(dir)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no engine claims " + dir));
        System.out.println("engine=" + engine.name());
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
