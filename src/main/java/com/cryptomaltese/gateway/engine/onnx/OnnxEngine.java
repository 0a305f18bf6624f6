package com.cryptomaltese.gateway.engine.onnx;

import java.io.IOException;
import java.nio.file.Path;

import com.cryptomaltese.gateway.engine.InferenceEngine;
import com.cryptomaltese.gateway.engine.LanguageModel;
import com.cryptomaltese.gateway.engine.decode.DecoderLanguageModel;
import com.cryptomaltese.gateway.engine.exported.ExportedConfig;
import org.springframework.core.annotation.Order;
import org.springframework.stereotype.Component;

/**
 * Runs decoder models exported to ONNX (Optimum's with-past layout: {@code input_ids},
 * {@code attention_mask}, {@code position_ids}, {@code past_key_values.N.key/value} in;
 * {@code logits}, {@code present.N.key/value} out) on ONNX Runtime through DJL, with our own decode
 * loop, so sampling, beam search and the stop rules are those of every other engine. Asked before
 * the other engines, it claims only folders whose format is ONNX: a folder that also holds
 * safetensors or GGUF weights goes to their engine, one with a PyTorch checkpoint beside the graph
 * (listed as ONNX) runs here.
 */
@Component
@Order(OnnxEngine.ORDER)
public class OnnxEngine implements InferenceEngine {

    static final int ORDER = 0;

    @Override
    public String name() {
        return "djl-onnxruntime";
    }

    @Override
    public boolean supports(Path modelDir) {
        return OnnxFolder.isOnnxModel(modelDir);
    }

    /** The graph is there, the config and the tokenizer read (the graph itself only ONNX Runtime reads). */
    @Override
    public void check(Path modelDir) throws IOException {
        OnnxDecoder.check(graph(modelDir));
        ExportedConfig.read(modelDir);
        DecoderLanguageModel.check(modelDir);
    }

    @Override
    public LanguageModel load(Path modelDir) throws IOException {
        Path graph = graph(modelDir);
        return OnnxDecoder.load(graph, ExportedConfig.read(modelDir)).languageModel(modelDir);
    }

    private static Path graph(Path modelDir) throws IOException {
        return OnnxFolder.graph(modelDir).orElseThrow(() -> new IOException("no .onnx file in the model folder"));
    }
}
