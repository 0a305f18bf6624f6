package com.cryptomaltese.gateway.engine.onnx;

import java.io.IOException;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

import ai.djl.Device;
import ai.djl.MalformedModelException;
import ai.djl.Model;
import ai.djl.engine.EngineException;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import com.cryptomaltese.gateway.engine.decode.Decoder;
import com.cryptomaltese.gateway.engine.decode.DecoderState;

/**
 * A decoder-only model exported to ONNX with its KV cache as inputs and outputs (the layout of
 * Hugging Face Optimum's text-generation-with-past exports), run by ONNX Runtime through DJL.
 * Each step feeds {@code input_ids}, {@code attention_mask} and {@code position_ids} (when the graph
 * takes them) and the previous {@code present.N.key/value} tensors as {@code past_key_values.N.*},
 * without copying them out of ONNX Runtime; only the last position's logits are read into Java.
 */
final class OnnxDecoder implements Decoder {

    static final String ENGINE = "OnnxRuntime";

    /** One graph run: the last position's logits and the cache after it. */
    record Step(float[] lastLogits, PastKeyValues present) {
    }

    private final Model model;
    private final Block block;
    private final ParameterStore parameters;
    private final OnnxConfig config;
    private final int layers;
    private final boolean attentionMask;
    private final boolean positionIds;
    private final long graphBytes;

    private OnnxDecoder(Model model, OnnxConfig config, int layers, boolean attentionMask, boolean positionIds,
                        long graphBytes) {
        this.model = model;
        this.block = model.getBlock();
        this.parameters = new ParameterStore(model.getNDManager(), false);
        this.config = config;
        this.layers = layers;
        this.attentionMask = attentionMask;
        this.positionIds = positionIds;
        this.graphBytes = graphBytes;
    }

    /**
     * Opens the graph in {@code file} (external data files beside it, never outside its folder) and
     * runs one token through it, so a graph that loads but is no decoder with a KV cache is refused
     * here, by name, not at the first chat.
     */
    static OnnxDecoder load(Path file, OnnxConfig config) throws IOException {
        try {
            OnnxExternalData.requireInsideFolder(file);
        } catch (IOException e) {
            throw new IOException(file.getFileName() + " is not a readable ONNX model: " + e.getMessage(), e);
        }
        Model model = Model.newInstance(file.getFileName().toString(), Device.cpu(), ENGINE);
        try {
            model.load(file);
            List<String> inputs = model.getBlock().describeInput().keys();
            int layers = layers(inputs);
            OnnxDecoder decoder = new OnnxDecoder(model, config, layers, inputs.contains("attention_mask"),
                    inputs.contains("position_ids"), bytesBeside(file));
            decoder.probe();
            return decoder;
        } catch (MalformedModelException e) {
            model.close();
            String reason = e.getCause() == null ? e.getMessage() : e.getCause().getMessage();
            throw new IOException(file.getFileName() + " is not a readable ONNX model: "
                    + reason.replace(file.toAbsolutePath().toString(), file.getFileName().toString()), e);
        } catch (IOException | RuntimeException e) {
            model.close();
            throw e;
        }
    }

    /** Layers from the {@code past_key_values.N.key/value} inputs, which must be all the graph takes besides the text. */
    private static int layers(List<String> inputs) throws IOException {
        if (!inputs.contains("input_ids")) {
            throw new IOException("the ONNX graph has no input_ids input (inputs: " + inputs + ")");
        }
        Set<String> unknown = new TreeSet<>(inputs);
        unknown.removeAll(List.of("input_ids", "attention_mask", "position_ids"));
        int layers = 0;
        while (unknown.remove(PastKeyValues.inputName(layers, "key"))
                & unknown.remove(PastKeyValues.inputName(layers, "value"))) {
            layers++;
        }
        if (layers == 0) {
            throw new IOException("the ONNX graph takes no KV cache (no past_key_values.0.key/value inputs): "
                    + "export it with past, e.g. Optimum's text-generation-with-past task");
        }
        if (!unknown.isEmpty()) {
            throw new IOException("the ONNX graph has inputs this engine does not feed: " + unknown);
        }
        return layers;
    }

    private void probe() throws IOException {
        try (DecoderState state = newState(null)) {
            state.forward(new int[] {0}, model.getNDManager()).close();
        } catch (EngineException | IllegalStateException e) {
            throw new IOException("the ONNX graph does not run as a decoder with a KV cache: " + e.getMessage(), e);
        }
    }

    /** The state's tensors live in ONNX Runtime's own managers, so {@code manager} is not used. */
    @Override
    public DecoderState newState(NDManager manager) {
        return new OnnxState(this, PastKeyValues.empty(model.getNDManager().newSubManager(), layers, config));
    }

    Step run(int[] tokens, PastKeyValues past) {
        int done = past.length();
        int total = done + tokens.length;
        try (NDManager io = model.getNDManager().newSubManager()) {
            NDList inputs = new NDList();
            inputs.add(named(io.create(longs(tokens), new Shape(1, tokens.length)), "input_ids"));
            if (attentionMask) {
                long[] ones = new long[total];
                Arrays.fill(ones, 1L);
                inputs.add(named(io.create(ones, new Shape(1, total)), "attention_mask"));
            }
            if (positionIds) {
                long[] positions = new long[tokens.length];
                for (int i = 0; i < positions.length; i++) {
                    positions[i] = done + i;
                }
                inputs.add(named(io.create(positions, new Shape(1, tokens.length)), "position_ids"));
            }
            inputs.addAll(past.arrays());
            // Outputs are attached to the manager of the first input: io, closed below.
            NDList outputs = block.forward(parameters, inputs, false);
            float[] logits = lastRow(outputs.get("logits"), tokens.length);
            return new Step(logits, PastKeyValues.present(model.getNDManager().newSubManager(), outputs, layers, total));
        }
    }

    private static float[] lastRow(NDArray logits, int positions) {
        if (logits == null) {
            throw new IllegalStateException("the graph has no logits output");
        }
        Shape shape = logits.getShape();
        if (logits.getDataType() != DataType.FLOAT32 || shape.dimension() != 3 || shape.get(1) != positions) {
            throw new IllegalStateException("logits must be float32 (batch, sequence, vocab) with sequence "
                    + positions + ", got " + logits.getDataType() + " " + shape);
        }
        int vocab = Math.toIntExact(shape.get(2));
        FloatBuffer all = logits.toByteBuffer().asFloatBuffer();
        float[] row = new float[vocab];
        all.position((positions - 1) * vocab).get(row);
        return row;
    }

    private static long[] longs(int[] ints) {
        long[] out = new long[ints.length];
        for (int i = 0; i < ints.length; i++) {
            out[i] = ints[i];
        }
        return out;
    }

    private static NDArray named(NDArray array, String name) {
        array.setName(name);
        return array;
    }

    /** Bytes of the graph file and its external data (every file in its folder sharing its name). */
    private static long bytesBeside(Path file) throws IOException {
        String name = file.getFileName().toString();
        long bytes = 0;
        try (Stream<Path> siblings = Files.list(file.toAbsolutePath().getParent())) {
            for (Path sibling : siblings.filter(p -> p.getFileName().toString().startsWith(name)).toList()) {
                bytes += Files.size(sibling);
            }
        }
        return bytes;
    }

    @Override
    public int maxPositions() {
        return config.maxPositions();
    }

    @Override
    public int vocabSize() {
        return config.vocabSize();
    }

    @Override
    public long weightBytes() {
        return graphBytes;
    }

    @Override
    public void close() {
        model.close();
    }
}
