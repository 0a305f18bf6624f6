package com.cryptomaltese.gateway.engine.onnx;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

import ai.djl.Device;
import ai.djl.MalformedModelException;
import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import com.cryptomaltese.gateway.engine.exported.ExportedConfig;
import com.cryptomaltese.gateway.engine.exported.ExportedDecoder;

/**
 * A decoder-only model exported to ONNX with its KV cache as inputs and outputs (the layout of
 * Hugging Face Optimum's text-generation-with-past exports), run by ONNX Runtime through DJL.
 * Each run feeds {@code input_ids}, {@code attention_mask} and {@code position_ids} (when the graph
 * takes them) and the previous {@code present.N.key/value} tensors as {@code past_key_values.N.*},
 * all by name.
 */
final class OnnxDecoder extends ExportedDecoder {

    static final String ENGINE = "OnnxRuntime";

    private final boolean attentionMask;
    private final boolean positionIds;

    private OnnxDecoder(Model model, ExportedConfig config, int layers, boolean attentionMask, boolean positionIds,
                        long graphBytes) {
        super(model, config, layers, graphBytes);
        this.attentionMask = attentionMask;
        this.positionIds = positionIds;
    }

    /**
     * Reads the graph's protobuf for its external data locations, refusing one that is malformed or
     * points outside the folder: what the engine's check runs before the loaded model is given up.
     */
    static void check(Path file) throws IOException {
        try {
            OnnxExternalData.requireInsideFolder(file);
        } catch (IOException e) {
            throw new IOException(file.getFileName() + " is not a readable ONNX model: " + e.getMessage(), e);
        }
    }

    /**
     * Opens the graph in {@code file} (external data files beside it, never outside its folder) and
     * runs one token through it, so a graph that loads but is no decoder with a KV cache is refused
     * here, by name, not at the first chat.
     */
    static OnnxDecoder load(Path file, ExportedConfig config) throws IOException {
        check(file);
        Model model = Model.newInstance(file.getFileName().toString(), Device.cpu(), ENGINE);
        try {
            model.load(file);
            List<String> inputs = model.getBlock().describeInput().keys();
            int layers = layers(inputs);
            OnnxDecoder decoder = new OnnxDecoder(model, config, layers, inputs.contains("attention_mask"),
                    inputs.contains("position_ids"), bytesBeside(file));
            decoder.probe("the ONNX graph does not run as a decoder with a KV cache");
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
        while (unknown.remove(pastName(layers, "key"))
                & unknown.remove(pastName(layers, "value"))) {
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

    @Override
    protected NDList textInputs(NDManager io, int[] tokens, int done) {
        NDList inputs = new NDList(named(tokenIds(io, tokens), "input_ids"));
        if (attentionMask) {
            inputs.add(named(attentionMask(io, done, tokens), "attention_mask"));
        }
        if (positionIds) {
            inputs.add(named(positionIds(io, done, tokens), "position_ids"));
        }
        return inputs;
    }

    @Override
    protected NDArray logits(NDList outputs) {
        return outputs.get("logits");
    }

    @Override
    protected List<NDArray> present(NDList outputs, int layers) {
        List<NDArray> present = new ArrayList<>();
        for (int i = 0; i < layers; i++) {
            present.add(outputs.get("present." + i + ".key"));
            present.add(outputs.get("present." + i + ".value"));
        }
        return present;
    }

    @Override
    protected String pastInputName(int layer, String kind) {
        return pastName(layer, kind);
    }

    private static String pastName(int layer, String kind) {
        return "past_key_values." + layer + "." + kind;
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
}
