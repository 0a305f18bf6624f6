package com.cryptomaltese.gateway.engine.llamacpp;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * llama.cpp and libtorch in one process, llama.cpp first: its library exports C++ runtime symbols
 * (operator delete, std::regex internals) that libtorch, loaded after it, bound to when the library
 * was opened into the global namespace, and a TorchScript load then freed a pointer with the wrong
 * allocator ("free(): invalid pointer", the process gone). In a JVM of its own, as in a gateway that
 * loads a GGUF model first: this test JVM has long loaded libtorch.
 */
class EnginesInOneProcessTest {

    @TempDir
    Path nativeDir;

    @Test
    void aTorchScriptModelLoadsAfterAGgufOne() throws Exception {
        Process child = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Dai.djl.offline=true", "-cp", System.getProperty("java.class.path"),
                EnginesInOneProcessChild.class.getName(), LlamaCppEngineTest.STORIES_GGUF.toString(),
                Path.of("src/test/resources/fixtures/torchscript/llama").toAbsolutePath().toString(),
                nativeDir.toString())
                .redirectErrorStream(true).start();
        String output = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(child.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(output).as(output).contains("gguf: 4", "torchscript: 4", "both answered");
        assertThat(child.exitValue()).as(output).isZero();
    }
}
