package com.cryptomaltese.gateway.engine.llamacpp;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.Set;

import ai.djl.ndarray.NDManager;
import com.cryptomaltese.gateway.engine.decode.Generator;
import com.cryptomaltese.gateway.engine.decode.TokenSelector;

/**
 * Decode speed of a GGUF file on the llama.cpp engine at batch 1 (a {@code main}, not a test; run by
 * tools/bench/llamacpp.sh and formats.sh): the engine's decoder (llama.cpp's logits) under our
 * decode loop, the same 32-token prompt as the DJL benchmark, 128 new tokens, greedy,
 * end-of-sequence ignored. Each token is time-stamped; decode tokens/s = 127 / (last stamp - first
 * stamp), prefill = start to first token. Then the model is unloaded, loaded and unloaded again,
 * with the resident memory after each step: what an operator sees in system-status.
 *
 * <p>Arguments: GGUF model folder, timed runs, threads.
 */
public final class LlamaCppDecodeBenchmark {

    private static final int PROMPT = 32;
    private static final int NEW_TOKENS = 128;

    private LlamaCppDecodeBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        Path folder = Path.of(args[0]);
        int runs = Integer.parseInt(args[1]);
        int threads = Integer.parseInt(args[2]);
        Path file = GgufFiles.find(folder).orElseThrow();
        warmPageCache(file);
        LlamaCppEngine engine = new LlamaCppEngine(new LlamaCppSettings(1024, threads),
                Path.of("target/bench/llama.cpp-native"));
        try (NDManager warm = NDManager.newBaseManager()) {
            warm.create(1f); // libtorch, which the decode loop's arrays need, is in the baseline
        }
        long rssBefore = status("VmRSS");
        long start = System.nanoTime();
        LlamaCppDecoder decoder = engine.decoder(folder);
        double loadS = (System.nanoTime() - start) / 1e9;
        long rssAfterLoad = status("VmRSS");
        int[] prompt = new int[PROMPT];
        for (int i = 0; i < PROMPT; i++) {
            prompt[i] = (i * 7919 + 13) % decoder.vocabSize();
        }
        double bestTps = 0;
        double bestPrefill = Double.MAX_VALUE;
        try (NDManager manager = NDManager.newBaseManager()) {
            Generator generator = new Generator(decoder, manager, Clock.systemUTC());
            for (int run = 0; run <= runs; run++) { // run 0 warms up
                long[] stamps = new long[NEW_TOKENS];
                int[] n = {0};
                long t0 = System.nanoTime();
                generator.generate(prompt, NEW_TOKENS, Set.of(), TokenSelector.greedy(), Instant.now().plusSeconds(600),
                        token -> stamps[Math.min(n[0]++, NEW_TOKENS - 1)] = System.nanoTime());
                double tps = (n[0] - 1) / ((stamps[n[0] - 1] - stamps[0]) / 1e9);
                double prefill = (stamps[0] - t0) / 1e9;
                if (run > 0) {
                    System.out.printf("run decode_tps=%.2f prefill_ms=%.1f tokens=%d%n", tps, prefill * 1e3, n[0]);
                    bestTps = Math.max(bestTps, tps);
                    bestPrefill = Math.min(bestPrefill, prefill);
                }
            }
        }
        long peak = status("VmHWM");
        decoder.close();
        long rssAfterUnload = status("VmRSS");
        engine.decoder(folder).close();
        long rssAfterSecondUnload = status("VmRSS");
        System.out.printf("side=llama.cpp file=%s threads=%d%n", file.getFileName(), threads);
        System.out.printf("decode_tps=%.2f%n", bestTps);
        System.out.printf("prefill_ms=%.1f%n", bestPrefill * 1e3);
        System.out.printf("load_s=%.2f%n", loadS);
        System.out.printf("rss_before_load_mb=%d%n", rssBefore >> 20);
        System.out.printf("rss_after_load_mb=%d%n", rssAfterLoad >> 20);
        System.out.printf("peak_rss_mb=%d%n", peak >> 20);
        System.out.printf("rss_after_unload_mb=%d%n", rssAfterUnload >> 20);
        System.out.printf("rss_after_second_load_and_unload_mb=%d%n", rssAfterSecondUnload >> 20);
        System.out.printf("file_bytes=%d%n", Files.size(file));
    }

    private static long status(String field) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith(field + ":")) {
                return Long.parseLong(line.replaceAll("\\D+", "")) * 1024;
            }
        }
        return -1;
    }

    private static void warmPageCache(Path file) throws IOException {
        try (var in = Files.newInputStream(file)) {
            in.transferTo(java.io.OutputStream.nullOutputStream());
        }
    }
}
