package com.cryptomaltese.gateway.engine.torchscript;

import java.io.IOException;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

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
import com.cryptomaltese.gateway.engine.onnx.OnnxConfig;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * A decoder-only model traced to TorchScript with its KV cache as inputs and outputs, in the layout
 * of the ONNX exports: {@code (input_ids, attention_mask, position_ids, past key, past value per
 * layer)} in, {@code (logits, present key, present value per layer)} out, run by DJL's PyTorch
 * engine (the program is a {@code PtSymbolBlock}). Only the last position's logits are read into Java.
 */
final class TorchScriptDecoder implements Decoder {

    static final String ENGINE = "PyTorch";

    /** One program run: the last position's logits and the cache after it. */
    record Step(float[] lastLogits, PastTensors present) {
    }

    private final Model model;
    private final Block block;
    private final ParameterStore parameters;
    private final OnnxConfig config;
    private final int layers;
    private final long programBytes;

    private TorchScriptDecoder(Model model, OnnxConfig config, int layers, long programBytes) {
        this.model = model;
        this.block = model.getBlock();
        this.parameters = new ParameterStore(model.getNDManager(), false);
        this.config = config;
        this.layers = layers;
        this.programBytes = programBytes;
    }

    /**
     * Loads {@code program} and runs one token through it, so a program that loads but is no decoder
     * in this layout is refused here, by name, not at the first chat.
     */
    static TorchScriptDecoder load(Path program, Path dir) throws IOException {
        OnnxConfig config = OnnxConfig.read(dir);
        int layers = layers(dir);
        String name = program.getFileName().toString();
        Model model = Model.newInstance(name, Device.cpu(), ENGINE);
        try {
            model.load(program.getParent(), name);
            TorchScriptDecoder decoder = new TorchScriptDecoder(model, config, layers, Files.size(program));
            decoder.probe();
            return decoder;
        } catch (MalformedModelException | EngineException e) {
            model.close();
            throw new IOException(name + " is not a loadable TorchScript program: " + reason(e), e);
        } catch (IOException | RuntimeException e) {
            model.close();
            throw e;
        }
    }

    private static int layers(Path dir) throws IOException {
        JsonNode json = new ObjectMapper().readTree(dir.resolve("config.json").toFile());
        for (String field : new String[] {"num_hidden_layers", "n_layer"}) {
            JsonNode value = json.get(field);
            if (value != null && !value.isNull()) {
                if (!value.isIntegralNumber() || !value.canConvertToInt() || value.asInt() <= 0) {
                    throw new IOException("config.json: " + field + " must be a positive integer, got " + value);
                }
                return value.asInt();
            }
        }
        throw new IOException("config.json has no num_hidden_layers or n_layer: the number of KV cache inputs");
    }

    private void probe() throws IOException {
        try (DecoderState state = newState(null)) {
            state.forward(new int[] {0}, model.getNDManager()).close();
        } catch (EngineException | IllegalStateException e) {
            throw new IOException("the TorchScript program does not run as a decoder with a KV cache (inputs "
                    + "input_ids, attention_mask, position_ids, then past key and value per layer; outputs logits, "
                    + "then present key and value per layer): " + reason(e), e);
        }
    }

    /** The state's tensors live in the program's own managers, so {@code manager} is not used. */
    @Override
    public DecoderState newState(NDManager manager) {
        return new TorchScriptState(this, PastTensors.empty(model.getNDManager().newSubManager(), layers, config));
    }

    Step run(int[] tokens, PastTensors past) {
        int done = past.length();
        int total = done + tokens.length;
        try (NDManager io = model.getNDManager().newSubManager()) {
            long[] positions = new long[tokens.length];
            for (int i = 0; i < positions.length; i++) {
                positions[i] = done + i;
            }
            long[] ones = new long[total];
            Arrays.fill(ones, 1L);
            NDList inputs = new NDList();
            inputs.add(io.create(Arrays.stream(tokens).asLongStream().toArray(), new Shape(1, tokens.length)));
            inputs.add(io.create(ones, new Shape(1, total)));
            inputs.add(io.create(positions, new Shape(1, tokens.length)));
            inputs.addAll(past.arrays());
            // Outputs are attached to the manager of the first input: io, closed below.
            NDList outputs = block.forward(parameters, inputs, false);
            if (outputs.size() != 1 + 2 * layers) {
                throw new IllegalStateException("the program returned " + outputs.size() + " tensors; expected logits and "
                        + 2 * layers + " cache tensors");
            }
            float[] logits = lastRow(outputs.get(0), tokens.length);
            return new Step(logits, PastTensors.present(model.getNDManager().newSubManager(), outputs, layers, total));
        }
    }

    private static float[] lastRow(NDArray logits, int positions) {
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

    /**
     * PyTorch's errors carry the whole TorchScript traceback: an interpreter failure says what went
     * wrong on its last line ("RuntimeError: …"), other errors on their first.
     */
    private static String reason(Exception e) {
        String message = String.valueOf(e.getMessage() == null && e.getCause() != null ? e.getCause().getMessage()
                : e.getMessage());
        List<String> lines = message.lines().map(String::strip).filter(l -> !l.isEmpty()).toList();
        if (lines.isEmpty()) {
            return e.getClass().getSimpleName();
        }
        return lines.get(0).startsWith("The following operation failed") ? lines.get(lines.size() - 1) : lines.get(0);
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
        return programBytes;
    }

    @Override
    public void close() {
        model.close();
    }
}
