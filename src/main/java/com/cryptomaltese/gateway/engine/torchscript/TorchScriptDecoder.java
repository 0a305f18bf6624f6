package com.cryptomaltese.gateway.engine.torchscript;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import ai.djl.Device;
import ai.djl.MalformedModelException;
import ai.djl.Model;
import ai.djl.engine.EngineException;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import com.cryptomaltese.gateway.engine.exported.ExportedConfig;
import com.cryptomaltese.gateway.engine.exported.ExportedDecoder;
import com.cryptomaltese.gateway.engine.weights.TorchScriptArchive;
import com.cryptomaltese.gateway.engine.arch.ConfigJson;
import com.fasterxml.jackson.databind.JsonNode;

/**
 * A decoder-only model traced to TorchScript with its KV cache as inputs and outputs, in the layout
 * of the ONNX exports but by position: {@code (input_ids, attention_mask, position_ids, past key,
 * past value per layer)} in, {@code (logits, present key, present value per layer)} out, run by
 * DJL's PyTorch engine (the program is a {@code PtSymbolBlock}).
 */
final class TorchScriptDecoder extends ExportedDecoder {

    static final String ENGINE = "PyTorch";

    private TorchScriptDecoder(Model model, ExportedConfig config, int layers, long programBytes) {
        super(model, config, layers, programBytes);
    }

    /**
     * Loads {@code program} and runs one token through it, so a program that loads but is no decoder
     * in this layout is refused here, by name, not at the first chat.
     */
    static TorchScriptDecoder load(Path program, Path dir) throws IOException {
        TorchScriptArchive.checkStorages(program);
        ExportedConfig config = ExportedConfig.read(dir);
        int layers = layers(dir);
        String name = program.getFileName().toString();
        Model model = Model.newInstance(name, Device.cpu(), ENGINE);
        try {
            model.load(program.getParent(), name);
            TorchScriptDecoder decoder = new TorchScriptDecoder(model, config, layers, Files.size(program));
            decoder.probe("the TorchScript program does not run as a decoder with a KV cache (inputs input_ids, "
                    + "attention_mask, position_ids, then past key and value per layer; outputs logits, then present "
                    + "key and value per layer)");
            return decoder;
        } catch (MalformedModelException | EngineException e) {
            model.close();
            throw new IOException(name + " is not a loadable TorchScript program: " + traceback(e), e);
        } catch (IOException | RuntimeException e) {
            model.close();
            throw e;
        }
    }

    /**
     * Layers a decoder may have: the largest published ones have fewer than 130. The count sizes the KV
     * cache made before the program runs, so a config claiming 10^9 layers took memory without bound.
     */
    static final int MAX_LAYERS = 1024;

    /** The KV cache's layer count from config.json; also read by the engine's check, before an unload. */
    static int layers(Path dir) throws IOException {
        JsonNode json = ConfigJson.read(dir);
        for (String field : new String[] {"num_hidden_layers", "n_layer"}) {
            JsonNode value = json.get(field);
            if (value != null && !value.isNull()) {
                if (!value.isIntegralNumber() || !value.canConvertToInt() || value.asInt() <= 0
                        || value.asInt() > MAX_LAYERS) {
                    throw new IOException("config.json: " + field + " must be an integer from 1 to " + MAX_LAYERS
                            + ", got " + value);
                }
                return value.asInt();
            }
        }
        throw new IOException("config.json has no num_hidden_layers or n_layer: the number of KV cache inputs");
    }

    @Override
    protected NDList textInputs(NDManager io, int[] tokens, int done) {
        return new NDList(tokenIds(io, tokens), attentionMask(io, done, tokens), positionIds(io, done, tokens));
    }

    @Override
    protected NDArray logits(NDList outputs) {
        return outputs.get(0);
    }

    @Override
    protected List<NDArray> present(NDList outputs, int layers) {
        if (outputs.size() != 1 + 2 * layers) {
            throw new IllegalStateException("the program returned " + outputs.size() + " tensors; expected logits and "
                    + 2 * layers + " cache tensors");
        }
        return outputs.subList(1, outputs.size());
    }

    /**
     * None: the program takes its inputs by position, and DJL's PyTorch engine would pass named
     * arrays as a dictionary.
     */
    @Override
    protected String pastInputName(int layer, String kind) {
        return null;
    }

    /**
     * PyTorch's errors carry the whole TorchScript traceback: an interpreter failure says what went
     * wrong on its last line ("RuntimeError: …"), other errors on their first.
     */
    @Override
    protected String reason(Exception e) {
        return traceback(e);
    }

    private static String traceback(Exception e) {
        String message = String.valueOf(e.getMessage() == null && e.getCause() != null ? e.getCause().getMessage()
                : e.getMessage());
        List<String> lines = message.lines().map(String::strip).filter(l -> !l.isEmpty()).toList();
        if (lines.isEmpty()) {
            return e.getClass().getSimpleName();
        }
        return lines.get(0).startsWith("The following operation failed") ? lines.get(lines.size() - 1) : lines.get(0);
    }
}
