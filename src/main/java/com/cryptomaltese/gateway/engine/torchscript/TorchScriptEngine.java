package com.cryptomaltese.gateway.engine.torchscript;

import java.io.IOException;
import java.nio.file.Path;

import com.cryptomaltese.gateway.engine.InferenceEngine;
import com.cryptomaltese.gateway.engine.LanguageModel;
import com.cryptomaltese.gateway.engine.decode.DecoderLanguageModel;
import com.cryptomaltese.gateway.engine.weights.TorchScriptArchive;
import org.springframework.core.annotation.Order;
import org.springframework.stereotype.Component;

/**
 * Runs decoder models traced to TorchScript (with their KV cache as inputs and outputs, the layout
 * of the ONNX exports) on DJL's PyTorch engine, with our own decode loop. A TorchScript program is
 * code, so it runs only where the model folder opts in with {@code torchscript.json}; a folder whose
 * weights are a program without it is claimed all the same and refused at load with the reason.
 * Asked after the ONNX engine and before the DJL engine, which would read a folder's state dict.
 */
@Component
@Order(TorchScriptEngine.ORDER)
public class TorchScriptEngine implements InferenceEngine {

    static final int ORDER = 5;

    @Override
    public String name() {
        return "djl-torchscript";
    }

    @Override
    public boolean supports(Path modelDir) {
        return TorchScriptFolder.claims(modelDir);
    }

    /** The program is named and there, its storages hold what its pickles say, the tokenizer reads. */
    @Override
    public void check(Path modelDir) throws IOException {
        TorchScriptArchive.checkStorages(TorchScriptFolder.program(modelDir));
        TorchScriptDecoder.layers(modelDir);
        DecoderLanguageModel.check(modelDir);
    }

    @Override
    public LanguageModel load(Path modelDir) throws IOException {
        return TorchScriptDecoder.load(TorchScriptFolder.program(modelDir), modelDir).languageModel(modelDir);
    }
}
