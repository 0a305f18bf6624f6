package com.cryptomaltese.gateway.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Instant;
import java.util.Arrays;
import java.util.Set;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.cryptomaltese.gateway.engine.decode.Generator;
import com.cryptomaltese.gateway.engine.decode.TokenSelector;
import com.cryptomaltese.gateway.engine.arch.Architectures;
import com.cryptomaltese.gateway.engine.arch.DecoderModel;
import com.cryptomaltese.gateway.engine.arch.KvCache;
import com.cryptomaltese.gateway.engine.weights.SafetensorsModel;

/**
 * Decode speed of the DJL engine on the benchmark model (tools/bench/make_gpt2_small.py). Not a
 * test: a program run by tools/bench/run.sh on the test classpath, with -Dai.djl.offline=true and
 * the PyTorch thread count set through {@code ai.djl.pytorch.num_threads}.
 *
 * <p>Same protocol as tools/bench/transformers_decode.py: 32 fixed prompt ids, 128 greedy new
 * tokens with no end-of-sequence, a warm-up run then timed runs. Decode tokens/s is measured from
 * the first new token to the last (the first comes out of the prefill): (128 - 1) / that time.
 * Prints "key=value" lines.
 *
 * <pre>java -cp target/test-classes:target/classes:$CP -Dai.djl.offline=true \
 *     com.cryptomaltese.gateway.bench.DecodeBenchmark [MODEL_DIR] [RUNS]</pre>
 */
public final class DecodeBenchmark {

    static final int PROMPT_LEN = 32;
    static final int NEW_TOKENS = 128;
    private static final ThreadMXBean THREAD_TIME = ManagementFactory.getThreadMXBean();

    private DecodeBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args.length > 0 ? args[0] : "/tmp/maltese-bench/gpt2-small");
        int runs = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        warmPageCache(dir.resolve("model.safetensors"));

        try (NDManager manager = NDManager.newBaseManager()) {
            NDManager.newBaseManager().close(); // engine start-up (native library) outside the load time
            long t0 = System.nanoTime();
            DecoderModel model;
            try (SafetensorsModel weights = SafetensorsModel.open(dir)) {
                model = Architectures.load(dir, weights, manager);
            }
            double loadS = (System.nanoTime() - t0) / 1e9;
            long rssAfterLoad = status("VmRSS");

            int[] prompt = new int[PROMPT_LEN];
            for (int i = 0; i < PROMPT_LEN; i++) {
                prompt[i] = (int) ((i * 7919L + 13) % model.vocabSize());
            }
            Generator generator = new Generator(model, manager, Clock.systemUTC());
            decode(generator, prompt); // warm-up
            double bestTps = 0;
            double bestPrefill = Double.MAX_VALUE;
            double bestCpuMs = Double.MAX_VALUE;
            int[] ids = null;
            for (int r = 0; r < runs; r++) {
                double prefill = prefillSeconds(model, manager, prompt);
                Run run = decode(generator, prompt);
                System.out.printf("run decode_tps=%.2f prefill_ms=%.1f total_s=%.2f cpu_ms_per_token=%.2f%n", run.tps,
                        prefill * 1e3, run.totalS, run.cpuMs);
                bestCpuMs = Math.min(bestCpuMs, run.cpuMs);
                bestTps = Math.max(bestTps, run.tps);
                bestPrefill = Math.min(bestPrefill, prefill);
                ids = run.tokens;
            }
            int arrays = arraysPerStep(model, manager, prompt);
            long weightBytes = model.weightBytes();
            long peakRss = status("VmHWM");
            double bandwidth = bandwidth(manager);
            // Every weight is read once per decoded token (GPT-2: the blocks and the tied lm_head;
            // the position table, 0.6 % of it, is the only one read a row at a time).
            double limitTps = bandwidth / weightBytes;

            System.out.printf("side=djl threads=%s%n", System.getProperty("ai.djl.pytorch.num_threads", "default"));
            System.out.printf("decode_tps=%.2f%n", bestTps);
            System.out.printf("prefill_ms=%.1f%n", bestPrefill * 1e3);
            System.out.printf("cpu_ms_per_token=%.2f%n", bestCpuMs);
            System.out.printf("arrays_per_step=%d%n", arrays);
            System.out.printf("load_s=%.2f%n", loadS);
            System.out.printf("rss_after_load_mb=%d%n", rssAfterLoad >> 20);
            System.out.printf("peak_rss_mb=%d%n", peakRss >> 20);
            System.out.printf("weight_bytes=%d%n", weightBytes);
            System.out.printf("rss_per_weight=%.2f%n", (double) peakRss / weightBytes);
            System.out.printf("bandwidth_gbs=%.1f%n", bandwidth / 1e9);
            System.out.printf("bandwidth_limit_tps=%.1f%n", limitTps);
            System.out.printf("bandwidth_fraction=%.2f%n", bestTps / limitTps);
            System.out.printf("first_ids=%s%n", Arrays.toString(Arrays.copyOf(ids, 8)));
            model.close();
        }
    }

    /**
     * @param cpuMs CPU time of the generating thread per new token: with one intra-op thread all of
     *              a step runs there, so it measures the step's work without the waits another
     *              process's load adds to wall time
     */
    private record Run(double tps, double totalS, double cpuMs, int[] tokens) {
    }

    private static Run decode(Generator generator, int[] prompt) {
        long[] stamps = new long[NEW_TOKENS];
        int[] count = {0};
        long t0 = System.nanoTime();
        long cpu0 = THREAD_TIME.getCurrentThreadCpuTime();
        Generator.Output out = generator.generate(prompt, NEW_TOKENS, Set.of(), TokenSelector.greedy(),
                Instant.now().plusSeconds(3600), token -> stamps[count[0]++] = System.nanoTime());
        long end = System.nanoTime();
        double cpuMs = (THREAD_TIME.getCurrentThreadCpuTime() - cpu0) / 1e6 / NEW_TOKENS;
        if (out.tokens().length != NEW_TOKENS) {
            throw new IllegalStateException("generated " + out.tokens().length + " tokens");
        }
        double decodeS = (stamps[NEW_TOKENS - 1] - stamps[0]) / 1e9;
        return new Run((NEW_TOKENS - 1) / decodeS, (end - t0) / 1e9, cpuMs, out.tokens());
    }

    /**
     * NDArrays one decode step creates, counted in its manager before it closes: a proxy of the
     * step's native calls that no other process's load disturbs.
     */
    private static int arraysPerStep(DecoderModel model, NDManager manager, int[] prompt) {
        try (NDManager sequence = manager.newSubManager(); KvCache cache = model.newCache(sequence)) {
            try (NDManager step = manager.newSubManager()) {
                model.forward(prompt, cache, step);
            }
            try (NDManager step = manager.newSubManager()) {
                model.forward(new int[] {prompt[0]}, cache, step);
                return step.getManagedArrays().size();
            }
        }
    }

    /** One forward pass of the prompt on a fresh cache, logits copied out as the Generator does. */
    private static double prefillSeconds(DecoderModel model, NDManager manager, int[] prompt) {
        try (NDManager sequence = manager.newSubManager(); KvCache cache = model.newCache(sequence)) {
            long t = System.nanoTime();
            model.forward(prompt, cache, sequence).toFloatArray();
            return (System.nanoTime() - t) / 1e9;
        }
    }

    /**
     * Streaming read bandwidth, bytes/s, best of several runs of two ways: PyTorch summing a
     * 512 MB float tensor (vectorized, on the engine's intra-op threads, as the matrix multiplies
     * read weights), and Java threads summing a long[] of up to 512 MB (one per core).
     */
    static double bandwidth(NDManager manager) throws InterruptedException {
        long bytes = 512L << 20;
        double best = 0;
        try (NDManager m = manager.newSubManager()) {
            NDArray big = m.ones(new Shape(bytes / 4), DataType.FLOAT32);
            for (int i = 0; i < 8; i++) {
                long t = System.nanoTime();
                try (NDArray s = big.sum()) {
                    s.getFloat();
                }
                best = Math.max(best, bytes / ((System.nanoTime() - t) / 1e9));
            }
        }
        // Half the heap at most, so the program also runs with a small -Xmx.
        long[] data = new long[(int) (Math.min(bytes, Runtime.getRuntime().maxMemory() / 2) / 8)];
        Arrays.fill(data, 1);
        int threads = Runtime.getRuntime().availableProcessors();
        for (int i = 0; i < 8; i++) {
            long[] sums = new long[threads];
            Thread[] workers = new Thread[threads];
            int chunk = data.length / threads;
            long t = System.nanoTime();
            for (int w = 0; w < threads; w++) {
                int id = w;
                workers[w] = new Thread(() -> {
                    long s = 0;
                    for (int j = id * chunk, end = j + chunk; j < end; j++) {
                        s += data[j];
                    }
                    sums[id] = s;
                });
                workers[w].start();
            }
            for (Thread w : workers) {
                w.join();
            }
            double elapsed = (System.nanoTime() - t) / 1e9;
            if (i > 1) { // the first runs are interpreted or not yet vectorized
                best = Math.max(best, (double) chunk * threads * 8 / elapsed);
            }
        }
        return best;
    }

    /** A /proc/self/status figure (kB there), in bytes. */
    static long status(String field) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith(field + ":")) {
                return Long.parseLong(line.replaceAll("\\D+", "")) * 1024;
            }
        }
        return -1;
    }

    /**
     * Reads the file once so the timed load sees a warm page cache (as on a server's second start),
     * through a small buffer: a direct buffer stays resident until a GC frees it, and would count
     * in the engine's peak RSS.
     */
    private static void warmPageCache(Path file) throws IOException {
        ByteBuffer buf = ByteBuffer.allocateDirect(1 << 20);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            while (ch.read(buf) > 0) {
                buf.clear();
            }
        }
    }
}
