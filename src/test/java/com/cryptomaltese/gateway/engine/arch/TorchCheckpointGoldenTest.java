package com.cryptomaltese.gateway.engine.arch;

import static com.cryptomaltese.gateway.engine.exported.Goldens.eos;
import static com.cryptomaltese.gateway.engine.exported.Goldens.golden;
import static com.cryptomaltese.gateway.engine.exported.Goldens.ints;
import static com.cryptomaltese.gateway.engine.exported.Goldens.prompt;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;

import ai.djl.ndarray.NDManager;
import com.cryptomaltese.gateway.engine.decode.Generator;
import com.cryptomaltese.gateway.engine.decode.TokenSelector;
import com.cryptomaltese.gateway.engine.weights.TorchCheckpointModel;
import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The pytorch_model.bin twins under fixtures/torch (tools/fixtures/make_torch_checkpoints.py),
 * read by TorchCheckpointModel, against the golden values of their safetensors originals.
 */
class TorchCheckpointGoldenTest {

    static final Path TORCH = Path.of("src/test/resources/fixtures/torch");
    static NDManager manager;

    @BeforeAll
    static void engine() {
        manager = NDManager.newBaseManager();
    }

    @AfterAll
    static void release() {
        manager.close();
    }

    @ParameterizedTest
    @ValueSource(strings = {"llama", "gpt2", "llama-sharded"})
    void logitsMatch(String name) throws IOException {
        try (TorchCheckpointModel weights = TorchCheckpointModel.open(TORCH.resolve(name))) {
            TransformersGoldenTest.assertLastLogitsMatch(name, TORCH.resolve(name), weights, golden(name), manager);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"llama", "gpt2", "llama-sharded"})
    void greedyIdsMatch(String name) throws IOException {
        JsonNode golden = golden(name);
        try (TorchCheckpointModel weights = TorchCheckpointModel.open(TORCH.resolve(name));
             DecoderModel model = Architectures.load(TORCH.resolve(name), weights, manager)) {
            for (String entry : new String[] {"greedy", "plain_greedy"}) {
                JsonNode run = golden.get(entry);
                Generator.Output out = new Generator(model, manager, Clock.systemUTC()).generate(prompt(golden, run),
                        run.at("/kwargs/max_new_tokens").asInt(), eos(run), TokenSelector.greedy(),
                        Instant.now().plusSeconds(60), token -> { });
                assertThat(out.tokens()).as(name + " " + entry).containsExactly(ints(run.get("new_ids")));
            }
        }
    }
}
