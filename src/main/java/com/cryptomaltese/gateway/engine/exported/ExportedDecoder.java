package com.cryptomaltese.gateway.engine.exported;

import java.io.IOException;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import ai.djl.Model;
import ai.djl.engine.EngineException;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import com.cryptomaltese.gateway.engine.LanguageModel;
import com.cryptomaltese.gateway.engine.decode.Decoder;
import com.cryptomaltese.gateway.engine.decode.DecoderLanguageModel;
import com.cryptomaltese.gateway.engine.decode.DecoderState;

/**
 * A decoder-only model exported with its KV cache as inputs and outputs (an ONNX graph, a traced
 * TorchScript program) and run by one of DJL's engines: {@code input_ids}, an attention mask and
 * position ids with the previous run's present key and value per layer in, the logits and the new
 * present tensors out. The cache stays in the engine's memory between runs; only the last
 * position's logits are read into Java. Subclasses say how their model names what goes in and out.
 */
public abstract class ExportedDecoder implements Decoder {

    /** Positions per model run while reading a prompt (see {@link ExportedState}). */
    public static final int PROMPT_CHUNK = 64;

    /** One run: the last position's logits and the cache after it. */
    record Step(float[] lastLogits, SharedCache present) {
    }

    private final Model model;
    private final Block block;
    private final ParameterStore parameters;
    private final ExportedConfig config;
    private final int layers;
    private final long bytes;

    /**
     * @param layers the number of key/value input pairs the model takes
     * @param bytes  the model's size on disk, reported as its weight bytes
     */
    protected ExportedDecoder(Model model, ExportedConfig config, int layers, long bytes) {
        this.model = model;
        this.block = model.getBlock();
        this.parameters = new ParameterStore(model.getNDManager(), false);
        this.config = config;
        this.layers = layers;
        this.bytes = bytes;
    }

    /**
     * This decoder with the tokenizer and chat template of {@code modelDir}, ready to answer; the
     * result owns this decoder (closed here if that fails). The decode loop's arrays (the last
     * logits) live on the default engine.
     */
    public final LanguageModel languageModel(Path modelDir) throws IOException {
        NDManager manager = NDManager.newBaseManager();
        try {
            return DecoderLanguageModel.create(modelDir, this, manager);
        } catch (IOException | RuntimeException e) {
            manager.close();
            close();
            throw e;
        }
    }

    /** The text inputs of a run over {@code tokens} after {@code done} cached positions, in input order. */
    protected abstract NDList textInputs(NDManager io, int[] tokens, int done);

    /** The logits among a run's outputs, or null when there are none. */
    protected abstract NDArray logits(NDList outputs);

    /** The present key and value per layer among a run's outputs, in layer order (null where missing). */
    protected abstract List<NDArray> present(NDList outputs, int layers);

    /** The name of {@code layer}'s past {@code kind} ("key" or "value") as the model's input; null for none. */
    protected abstract String pastInputName(int layer, String kind);

    /** Why the engine refused a run, in one line. */
    protected String reason(Exception e) {
        return e.getMessage();
    }

    /**
     * Runs one token through a fresh cache, so a model that loads but is no decoder in this layout
     * is refused at load, by name, not at the first chat.
     */
    protected final void probe(String notADecoder) throws IOException {
        try (DecoderState state = newState(null)) {
            state.forward(new int[] {0}, model.getNDManager()).close();
        } catch (EngineException | IllegalStateException e) {
            throw new IOException(notADecoder + ": " + reason(e), e);
        }
    }

    /** The state's tensors live in the model engine's own managers, so {@code manager} is not used. */
    @Override
    public final DecoderState newState(NDManager manager) {
        return new ExportedState(this,
                SharedCache.empty(model.getNDManager().newSubManager(), layers, config, this::pastInputName));
    }

    final Step run(int[] tokens, SharedCache past) {
        int total = past.length() + tokens.length;
        try (NDManager io = model.getNDManager().newSubManager()) {
            NDList inputs = textInputs(io, tokens, past.length());
            inputs.addAll(past.arrays());
            // Outputs are attached to the manager of the first input: io, closed below.
            NDList outputs = block.forward(parameters, inputs, false);
            float[] logits = lastRow(logits(outputs), tokens.length);
            return new Step(logits, SharedCache.present(model.getNDManager().newSubManager(), present(outputs, layers),
                    total, this::pastInputName));
        }
    }

    /** {@code input_ids}, (1, tokens). */
    protected static NDArray tokenIds(NDManager io, int[] tokens) {
        return io.create(Arrays.stream(tokens).asLongStream().toArray(), new Shape(1, tokens.length));
    }

    /** An attention mask over every position, cached and new: all ones, (1, done + tokens). */
    protected static NDArray attentionMask(NDManager io, int done, int[] tokens) {
        long[] ones = new long[done + tokens.length];
        Arrays.fill(ones, 1L);
        return io.create(ones, new Shape(1, ones.length));
    }

    /** The new tokens' positions, (1, tokens), counting on from the cached ones. */
    protected static NDArray positionIds(NDManager io, int done, int[] tokens) {
        long[] positions = new long[tokens.length];
        for (int i = 0; i < positions.length; i++) {
            positions[i] = done + i;
        }
        return io.create(positions, new Shape(1, tokens.length));
    }

    private static float[] lastRow(NDArray logits, int positions) {
        if (logits == null) {
            throw new IllegalStateException("the model has no logits output");
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
        return bytes;
    }

    @Override
    public void close() {
        model.close();
    }
}
