package com.cryptomaltese.gateway.engine.onnx;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.SplittableRandom;

import com.cryptomaltese.gateway.engine.ChatMessage;
import com.cryptomaltese.gateway.engine.GenerationResult;
import com.cryptomaltese.gateway.engine.LanguageModel;
import com.cryptomaltese.gateway.engine.exported.Goldens;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Seeded byte mutations of a real graph (the llama export, weights outside it, so mutations hit its
 * structure): every load either refuses with a load error or gives a model that answers; never
 * another exception, and never a crash of the process (ONNX Runtime parses the graph in native code).
 */
class OnnxFuzzTest {

    private static final int ITERATIONS = 60;

    @TempDir
    Path dir;

    @Test
    void mutatedGraphsLoadOrFailCleanly() throws IOException {
        try (var files = Files.list(OnnxFixtures.ONNX.resolve("llama"))) {
            for (Path file : files.toList()) {
                Files.copy(file, dir.resolve(file.getFileName()));
            }
        }
        byte[] whole = Files.readAllBytes(dir.resolve("model.onnx"));
        SplittableRandom random = new SplittableRandom(20261126);
        OnnxEngine engine = new OnnxEngine();
        int refused = 0;
        for (int i = 0; i < ITERATIONS; i++) {
            byte[] mutated = whole.clone();
            for (int flips = 1 + random.nextInt(4); flips > 0; flips--) {
                mutated[random.nextInt(mutated.length)] = (byte) random.nextInt(256);
            }
            Files.write(dir.resolve("model.onnx"), mutated);
            try (LanguageModel model = engine.load(dir)) {
                GenerationResult result = model.generate(List.of(new ChatMessage("user", "hi")),
                        Goldens.params(1.0, 0, 1.0, 4, 1.0, false, 1, 1.0, false, null),
                        Instant.now().plusSeconds(30));
                assertThat(result.completionTokens()).as("mutation %d", i).isBetween(1, 4);
            } catch (IOException e) {
                assertThat(e.getMessage()).as("mutation %d", i)
                        .satisfiesAnyOf(m -> assertThat(m).startsWith("model.onnx is not a readable ONNX model: "),
                                m -> assertThat(m).startsWith("the ONNX graph "));
                refused++;
            }
        }
        assertThat(refused).as("most mutations break the graph").isPositive();
    }
}
