package com.cryptomaltese.gateway.engine.onnx;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Instant;
import java.util.Arrays;
import java.util.Set;

import ai.djl.ndarray.NDManager;
import com.cryptomaltese.gateway.engine.decode.DecoderState;
import com.cryptomaltese.gateway.engine.decode.Generator;
import com.cryptomaltese.gateway.engine.decode.TokenSelector;
import com.cryptomaltese.gateway.engine.exported.ExportedConfig;

/**
 * Decode speed and memory of the ONNX engine on the GPT-2-small-shaped benchmark model exported to
 * ONNX (tools/bench/onnx.sh makes it). Not a test: a program on the test classpath, in this
 * package because the decoder is package-private. Same protocol as the DJL benchmark
 * (com.cryptomaltese.gateway.bench.DecodeBenchmark): 32 fixed prompt ids, 128 greedy new tokens
 * with no end-of-sequence, a warm-up run then timed runs; decode tokens/s is (128 - 1) / (time from
 * the first new token to the last). Prints "key=value" lines.
 *
 * <pre>java -cp target/test-classes:target/classes:$CP -Dai.djl.offline=true \
 *     com.cryptomaltese.gateway.engine.onnx.OnnxDecodeBenchmark [MODEL_DIR] [RUNS]</pre>
 */
public final class OnnxDecodeBenchmark {

    static final int PROMPT_LEN = 32;
    static final int NEW_TOKENS = 128;

    private OnnxDecodeBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args.length > 0 ? args[0] : "/tmp/maltese-bench/gpt2-small-onnx");
        int runs = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        warmPageCache(dir);
        try (NDManager manager = NDManager.newBaseManager()) {
            long t0 = System.nanoTime();
            OnnxDecoder decoder = OnnxDecoder.load(OnnxFolder.graph(dir).orElseThrow(), ExportedConfig.read(dir));
            double loadS = (System.nanoTime() - t0) / 1e9;
            long rssAfterLoad = status("VmRSS");

            int vocab;
            try (DecoderState state = decoder.newState(manager); NDManager step = manager.newSubManager()) {
                vocab = (int) state.forward(new int[] {0}, step).size();
            }
            int[] prompt = new int[PROMPT_LEN];
            for (int i = 0; i < PROMPT_LEN; i++) {
                prompt[i] = (int) ((i * 7919L + 13) % vocab);
            }
            Generator generator = new Generator(decoder, manager, Clock.systemUTC());
            decode(generator, prompt); // warm-up
            double bestTps = 0;
            double bestPrefill = Double.MAX_VALUE;
            int[] ids = null;
            for (int r = 0; r < runs; r++) {
                double prefill = prefillSeconds(decoder, manager, prompt);
                Run run = decode(generator, prompt);
                System.out.printf("run decode_tps=%.2f prefill_ms=%.1f total_s=%.2f%n", run.tps, prefill * 1e3,
                        run.totalS);
                bestTps = Math.max(bestTps, run.tps);
                bestPrefill = Math.min(bestPrefill, prefill);
                ids = run.tokens;
            }
            System.out.println("side=onnx");
            System.out.printf("decode_tps=%.2f%n", bestTps);
            System.out.printf("prefill_ms=%.1f%n", bestPrefill * 1e3);
            System.out.printf("load_s=%.2f%n", loadS);
            System.out.printf("rss_after_load_mb=%d%n", rssAfterLoad >> 20);
            System.out.printf("peak_rss_mb=%d%n", status("VmHWM") >> 20);
            System.out.printf("graph_bytes=%d%n", decoder.weightBytes());
            System.out.printf("first_ids=%s%n", Arrays.toString(Arrays.copyOf(ids, 8)));
            decoder.close();
        }
    }

    private record Run(double tps, double totalS, int[] tokens) {
    }

    private static Run decode(Generator generator, int[] prompt) {
        long[] stamps = new long[NEW_TOKENS];
        int[] count = {0};
        long t0 = System.nanoTime();
        Generator.Output out = generator.generate(prompt, NEW_TOKENS, Set.of(), TokenSelector.greedy(),
                Instant.now().plusSeconds(3600), token -> stamps[count[0]++] = System.nanoTime());
        long end = System.nanoTime();
        if (out.tokens().length != NEW_TOKENS) {
            throw new IllegalStateException("generated " + out.tokens().length + " tokens");
        }
        double decodeS = (stamps[NEW_TOKENS - 1] - stamps[0]) / 1e9;
        return new Run((NEW_TOKENS - 1) / decodeS, (end - t0) / 1e9, out.tokens());
    }

    private static double prefillSeconds(OnnxDecoder decoder, NDManager manager, int[] prompt) {
        try (DecoderState state = decoder.newState(manager); NDManager step = manager.newSubManager()) {
            long t = System.nanoTime();
            state.forward(prompt, step).toFloatArray();
            return (System.nanoTime() - t) / 1e9;
        }
    }

    /** Reads the graph's files once so the timed load sees a warm page cache (as on a server's second start). */
    private static void warmPageCache(Path dir) throws IOException {
        ByteBuffer buf = ByteBuffer.allocateDirect(8 << 20);
        for (Path file : new Path[] {dir.resolve("model.onnx"), dir.resolve("model.onnx_data")}) {
            if (Files.exists(file)) {
                try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
                    while (ch.read(buf) > 0) {
                        buf.clear();
                    }
                }
            }
        }
    }

    /** A /proc/self/status figure (kB there), in bytes. */
    private static long status(String field) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith(field + ":")) {
                return Long.parseLong(line.replaceAll("\\D+", "")) * 1024;
            }
        }
        return -1;
    }
}
