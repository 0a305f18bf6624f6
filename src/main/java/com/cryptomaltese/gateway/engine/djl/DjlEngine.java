package com.cryptomaltese.gateway.engine.djl;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import ai.djl.ndarray.NDManager;
import com.cryptomaltese.gateway.engine.InferenceEngine;
import com.cryptomaltese.gateway.engine.ForwardingLanguageModel;
import com.cryptomaltese.gateway.engine.LanguageModel;
import com.cryptomaltese.gateway.engine.arch.DecoderModel;
import com.cryptomaltese.gateway.engine.arch.Architectures;
import com.cryptomaltese.gateway.engine.decode.Decoder;
import com.cryptomaltese.gateway.engine.decode.DecoderLanguageModel;
import com.cryptomaltese.gateway.engine.weights.ModelWeights;
import com.cryptomaltese.gateway.engine.weights.WeightBuffers;
import com.cryptomaltese.gateway.engine.weights.WeightLoader;
import org.springframework.core.annotation.Order;
import org.springframework.stereotype.Component;

/**
 * Runs Hugging Face checkpoints of decoder models on DJL's PyTorch engine. The architecture is
 * chosen from {@code config.json}'s {@code model_type}; weights are read by our own readers
 * (safetensors preferred, else {@code pytorch_model.bin} through a restricted unpickler that
 * executes nothing) and copied once into the engine's memory.
 */
@Component
@Order(10)
public class DjlEngine implements InferenceEngine {

    @Override
    public String name() {
        return "djl-pytorch";
    }

    /**
     * Any safetensors or PyTorch ({@code pytorch_model.bin}, single or sharded) checkpoint with a
     * config: an unsupported architecture is refused at load, by name.
     */
    @Override
    public boolean supports(Path modelDir) {
        return Files.isRegularFile(modelDir.resolve("config.json")) && ModelWeights.present(modelDir);
    }

    /**
     * The weights' headers, the architecture and its config, every tensor's name and shape, the
     * tokenizer and its settings (in the load's order).
     */
    @Override
    public void check(Path modelDir) throws IOException {
        try (WeightLoader weights = ModelWeights.open(modelDir)) {
            Architectures.check(modelDir, weights);
        }
        DecoderLanguageModel.check(modelDir);
    }

    /**
     * The weights' tensors wrap the buffers they were read into; those are freed after the tensors
     * close, so an unload gives the memory back at once ({@link WeightBuffers}).
     */
    @Override
    public LanguageModel load(Path modelDir) throws IOException {
        WeightBuffers weights = new WeightBuffers(ModelWeights.open(modelDir));
        NDManager manager = NDManager.newBaseManager();
        boolean loaded = false;
        try (weights) {
            DecoderModel decoder = Architectures.load(modelDir, weights, manager);
            LanguageModel model = new ForwardingLanguageModel(
                    DecoderLanguageModel.create(modelDir, Decoder.of(decoder), manager)) {
                @Override
                public void close() {
                    try {
                        model.close();
                    } finally {
                        weights.free();
                    }
                }
            };
            loaded = true;
            return model;
        } finally {
            // Whatever stopped the load (a bad file, an OutOfMemoryError), what it built goes.
            if (!loaded) {
                manager.close();
                weights.free();
            }
        }
    }
}
