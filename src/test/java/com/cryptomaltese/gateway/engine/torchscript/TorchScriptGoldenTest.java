package com.cryptomaltese.gateway.engine.torchscript;

import java.io.IOException;
import java.nio.file.Path;
import java.util.stream.Stream;

import com.cryptomaltese.gateway.engine.exported.ExportedDecoder;
import com.cryptomaltese.gateway.engine.exported.ExportedGoldenTest;

/**
 * The traced fixture models (tools/fixtures/export_torchscript.py) on DJL's PyTorch engine
 * reproduce transformers' goldens of their originals.
 */
class TorchScriptGoldenTest extends ExportedGoldenTest {

    static final Path TORCHSCRIPT = Path.of("src/test/resources/fixtures/torchscript").toAbsolutePath();

    static Stream<String> exports() {
        return Stream.of("gpt2", "llama");
    }

    @Override
    protected ExportedDecoder open(String name) throws IOException {
        Path dir = TORCHSCRIPT.resolve(name);
        return TorchScriptDecoder.load(TorchScriptFolder.program(dir), dir);
    }

    /** Each trace keeps its original's name. */
    @Override
    protected String original(String name) {
        return name;
    }
}
