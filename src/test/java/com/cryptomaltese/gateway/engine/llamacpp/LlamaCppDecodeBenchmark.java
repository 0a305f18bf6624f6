package com.cryptomaltese.gateway.engine.llamacpp;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import com.cryptomaltese.gateway.engine.GenerationParams;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import de.kherud.llama.LlamaModel;

/**
 * Decode speed of a GGUF file on the llama.cpp engine at batch 1 (a {@code main}, not a test; run by
 * tools/bench/llamacpp.sh). It lives beside the engine because it drives the engine's own
 * completion calls with token ids: the same 32-token prompt as the DJL benchmark, 128 new
 * tokens, greedy, end-of-sequence ignored. Each streamed piece is time-stamped; decode tokens/s =
 * 127 / (last stamp - first stamp), prefill = request to first piece. The prompt and the
 * measures are those of the DJL benchmark (tools/bench/README.md).
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
        long start = System.nanoTime();
        LlamaCppModel model = (LlamaCppModel) new LlamaCppEngine(new LlamaCppSettings(1024, threads),
                Path.of("target/bench/llama.cpp-native")).load(folder);
        double loadS = (System.nanoTime() - start) / 1e9;
        long rssAfterLoad = status("VmRSS");
        int vocab = 50257;
        int[] prompt = new int[PROMPT];
        for (int i = 0; i < PROMPT; i++) {
            prompt[i] = (i * 7919 + 13) % vocab;
        }
        GenerationParams greedy = new GenerationParams(1.0, 0, 1.0, NEW_TOKENS, 1.0, false, 1, 1.0, false, null);
        ObjectNode request = (ObjectNode) new ObjectMapper().readTree(CompletionRequest.json(prompt, NEW_TOKENS, greedy));
        request.put("ignore_eos", true);
        double bestTps = 0;
        double bestPrefill = Double.MAX_VALUE;
        for (int run = 0; run <= runs; run++) { // run 0 warms up
            long[] stamps = new long[NEW_TOKENS];
            int n = 0;
            LlamaModel llama = model.llama();
            long t0 = System.nanoTime();
            int task = NativeCompletions.request(llama, request.toString());
            while (true) {
                NativeCompletions.Piece piece = NativeCompletions.receive(llama, task);
                if (piece.last()) {
                    break;
                }
                stamps[Math.min(n++, NEW_TOKENS - 1)] = System.nanoTime();
            }
            double tps = (n - 1) / ((stamps[n - 1] - stamps[0]) / 1e9);
            double prefill = (stamps[0] - t0) / 1e9;
            if (run > 0) {
                System.out.printf("run decode_tps=%.2f prefill_ms=%.1f pieces=%d%n", tps, prefill * 1e3, n);
                bestTps = Math.max(bestTps, tps);
                bestPrefill = Math.min(bestPrefill, prefill);
            }
        }
        long fileBytes = Files.size(file);
        System.out.printf("side=llama.cpp file=%s threads=%d%n", file.getFileName(), threads);
        System.out.printf("decode_tps=%.2f%n", bestTps);
        System.out.printf("prefill_ms=%.1f%n", bestPrefill * 1e3);
        System.out.printf("load_s=%.2f%n", loadS);
        System.out.printf("rss_after_load_mb=%d%n", rssAfterLoad >> 20);
        System.out.printf("peak_rss_mb=%d%n", status("VmHWM") >> 20);
        System.out.printf("file_bytes=%d%n", fileBytes);
        model.close();
        System.exit(0); // the binding leaves its native task thread attached to the JVM
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
