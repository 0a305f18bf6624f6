package com.cryptomaltese.gateway.engine.llamacpp;

import java.nio.file.Path;
import java.time.Instant;
import java.util.List;

import com.cryptomaltese.gateway.engine.ChatMessage;
import com.cryptomaltese.gateway.engine.GenerationParams;
import com.cryptomaltese.gateway.engine.LanguageModel;
import com.cryptomaltese.gateway.engine.torchscript.TorchScriptEngine;

/**
 * A fresh JVM (see {@link EnginesInOneProcessTest}): a GGUF model on llama.cpp first, then a
 * TorchScript model on libtorch, each answering; prints "both answered" when the process survived.
 * Arguments: the GGUF folder, the TorchScript folder, a scratch folder for the native library.
 */
public final class EnginesInOneProcessChild {

    private EnginesInOneProcessChild() {
    }

    public static void main(String[] args) throws Exception {
        List<ChatMessage> once = List.of(ChatMessage.user("Once upon a time"));
        GenerationParams greedy = new GenerationParams(1.0, 50, 1.0, 4, 1.0, false, 1, 1.0, false, null);
        try (LanguageModel gguf = new LlamaCppEngine(new LlamaCppSettings(512, 1), Path.of(args[2])).load(Path.of(args[0]))) {
            System.out.println("gguf: " + gguf.generate(once, greedy, Instant.now().plusSeconds(60)).completionTokens());
        }
        try (LanguageModel torchScript = new TorchScriptEngine().load(Path.of(args[1]))) {
            System.out.println("torchscript: "
                    + torchScript.generate(once, greedy, Instant.now().plusSeconds(60)).completionTokens());
        }
        System.out.println("both answered");
    }
}
