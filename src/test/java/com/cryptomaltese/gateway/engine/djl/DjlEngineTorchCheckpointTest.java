package com.cryptomaltese.gateway.engine.djl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;

import com.cryptomaltese.gateway.engine.ChatMessage;
import com.cryptomaltese.gateway.engine.GenerationParams;
import com.cryptomaltese.gateway.engine.GenerationResult;
import com.cryptomaltese.gateway.engine.LanguageModel;
import com.cryptomaltese.gateway.engine.weights.TorchCheckpointException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The engine on pytorch_model.bin folders answers exactly like on their safetensors twins. */
class DjlEngineTorchCheckpointTest {

    static final Path TORCH = Path.of("src/test/resources/fixtures/torch");
    static final Path MODELS = Path.of("src/test/resources/fixtures/models");

    private final DjlEngine engine = new DjlEngine();

    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"llama", "gpt2", "llama-sharded"})
    void answersLikeTheSafetensorsTwin(String name) throws Exception {
        assertThat(engine.supports(TORCH.resolve(name))).isTrue();
        JsonNode golden = new ObjectMapper().readTree(MODELS.resolve(name).resolve("golden.json").toFile());
        JsonNode greedy = golden.get("greedy");
        JsonNode message = golden.at("/prompts/chat/messages/0");
        List<ChatMessage> messages = List.of(new ChatMessage(message.get("role").asText(), message.get("content").asText()));
        GenerationParams params = new GenerationParams(1.0, 0, 1.0, greedy.at("/kwargs/max_new_tokens").asInt(),
                1.0, false, 1, 1.0, false, null);
        GenerationResult fromBin;
        try (LanguageModel model = engine.load(TORCH.resolve(name))) {
            fromBin = model.generate(messages, params, Instant.now().plusSeconds(60));
        }
        GenerationResult fromSafetensors;
        try (LanguageModel model = engine.load(MODELS.resolve(name))) {
            fromSafetensors = model.generate(messages, params, Instant.now().plusSeconds(60));
        }
        assertThat(fromBin).isEqualTo(fromSafetensors);
        assertThat(fromBin.completionTokens()).isEqualTo(greedy.get("new_ids").size());
        assertThat(fromBin.promptTokens()).isEqualTo(golden.at("/prompts/chat/ids").size());
    }

    @Test
    void supportsOnlyFoldersWithConfigAndWeights() throws Exception {
        Path model = dir.resolve("m");
        Files.createDirectories(model);
        Files.copy(TORCH.resolve("llama/config.json"), model.resolve("config.json"));
        assertThat(engine.supports(model)).isFalse();
        Files.writeString(model.resolve("pytorch_model.bin.index.json"), "{}");
        assertThat(engine.supports(model)).isTrue();
    }

    @Test
    void aMaliciousCheckpointIsRefusedAtLoad() throws Exception {
        Path marker = Path.of("/tmp/maltese-unsafe-pickle-marker");
        Files.deleteIfExists(marker);
        Path model = dir.resolve("evil");
        Files.createDirectories(model);
        for (String f : new String[] {"config.json", "generation_config.json", "tokenizer.json", "tokenizer_config.json"}) {
            Files.copy(TORCH.resolve("llama").resolve(f), model.resolve(f));
        }
        Files.copy(TORCH.resolve("malicious.bin"), model.resolve("pytorch_model.bin"));
        assertThat(engine.supports(model)).isTrue();
        assertThatThrownBy(() -> engine.load(model)).isInstanceOf(TorchCheckpointException.class)
                .hasMessageContaining("unsafe pickle: posix.system");
        assertThat(marker).doesNotExist();
    }
}
