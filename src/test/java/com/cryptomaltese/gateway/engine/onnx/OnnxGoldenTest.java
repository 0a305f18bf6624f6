package com.cryptomaltese.gateway.engine.onnx;

import java.io.IOException;
import java.nio.file.Path;
import java.util.stream.Stream;

import com.cryptomaltese.gateway.engine.exported.ExportedConfig;
import com.cryptomaltese.gateway.engine.exported.ExportedDecoder;
import com.cryptomaltese.gateway.engine.exported.ExportedGoldenTest;

/**
 * The ONNX exports on ONNX Runtime reproduce transformers' goldens of their originals.
 * {@code gpt2-no-positions} takes no {@code position_ids} (the graph derives positions from the
 * cache's length), as older Optimum GPT-2 exports.
 */
class OnnxGoldenTest extends ExportedGoldenTest {

    static Stream<String> exports() {
        return Stream.of("gpt2", "llama", "gpt2-no-positions");
    }

    @Override
    protected ExportedDecoder open(String name) throws IOException {
        Path dir = OnnxFixtures.ONNX.resolve(name);
        return OnnxDecoder.load(OnnxFolder.graph(dir).orElseThrow(), ExportedConfig.read(dir));
    }

    @Override
    protected String original(String name) {
        return OnnxFixtures.ORIGINAL.get(name);
    }
}
