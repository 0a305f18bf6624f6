package com.cryptomaltese.gateway.engine.llamacpp;

import java.io.IOException;
import java.util.stream.Stream;

import com.cryptomaltese.gateway.engine.decode.Decoder;
import com.cryptomaltese.gateway.engine.exported.ExportedGoldenTest;

/**
 * The tiny qwen2 fixture written as F32 GGUF (tools/fixtures/make_gguf.py), run by llama.cpp under
 * our decode loop, against transformers on the original safetensors: last logits, greedy,
 * repetition-penalty and beam-search ids.
 */
class LlamaCppGoldenTest extends ExportedGoldenTest {

    static Stream<String> exports() {
        return Stream.of("qwen2-f32");
    }

    @Override
    protected Decoder open(String name) throws IOException {
        return LlamaCppEngineTest.engine().decoder(GgufFixtureTest.FIXTURES.resolve(name));
    }

    /**
     * llama.cpp keeps its KV cache in F16 (its default), so keys and values carry 11 significant
     * bits: the logits differ from transformers' F32 by up to 3e-3 here, far below the greedy and
     * beam margins, whose ids must still be transformers' exactly.
     */
    @Override
    protected double logitsTolerance() {
        return 5e-3;
    }

    @Override
    protected String original(String name) {
        return "qwen2";
    }
}
