package com.cryptomaltese.gateway.engine.onnx;

import static com.cryptomaltese.gateway.engine.onnx.OnnxFixtures.chat;
import static com.cryptomaltese.gateway.engine.exported.Goldens.golden;
import static com.cryptomaltese.gateway.engine.exported.Goldens.params;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Arrays;

import com.cryptomaltese.gateway.engine.GenerationParams;
import com.cryptomaltese.gateway.engine.GenerationResult.FinishReason;
import com.cryptomaltese.gateway.engine.GenerationResult;
import com.cryptomaltese.gateway.engine.LanguageModel;
import com.cryptomaltese.gateway.engine.djl.DjlEngine;
import com.cryptomaltese.gateway.engine.exported.Goldens;
import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The engine as the gateway uses it: messages in, text out; which folders it claims; what it refuses. */
class OnnxEngineTest {

    private final OnnxEngine engine = new OnnxEngine();

    @TempDir
    Path dir;

    /** The chat goes through the template and tokenizer, so the reply is transformers' greedy text of the original. */
    @ParameterizedTest
    @ValueSource(strings = {"gpt2", "llama"})
    void answersWithTransformersGreedyText(String name) throws IOException {
        JsonNode golden = golden(name);
        try (LanguageModel model = engine.load(OnnxFixtures.ONNX.resolve(name))) {
            GenerationResult result = model.generate(chat(golden), params(1.0, 0, 1.0, 32, 1.0, false, 1, 1.0, false, null),
                    Instant.now().plusSeconds(60));
            assertThat(result.text()).isEqualTo(golden.at("/greedy/text_skip_special").asText());
            assertThat(result.finishReason()).isEqualTo(FinishReason.LENGTH);
            assertThat(result.promptTokens()).isEqualTo(golden.at("/prompts/chat/ids").size());
            assertThat(result.completionTokens()).isEqualTo(32);
            assertThat(model.contextLength()).isEqualTo(128);
            assertThat(model.promptTokens(chat(golden))).isEqualTo(golden.at("/prompts/chat/ids").size());
            assertThat(model.memoryBytes()).isPositive();
        }
    }

    /** Same seed, same reply, and the same reply as the safetensors original on the DJL engine gives. */
    @Test
    void seededSamplingRepeatsAndAgreesWithTheDjlEngine() throws IOException {
        JsonNode golden = golden("llama");
        GenerationParams sampling = params(0.9, 50, 0.95, 24, 1.1, true, 1, 1.0, false, 1234L);
        GenerationResult first;
        GenerationResult second;
        try (LanguageModel model = engine.load(OnnxFixtures.ONNX.resolve("llama"))) {
            first = model.generate(chat(golden), sampling, Instant.now().plusSeconds(60));
            second = model.generate(chat(golden), sampling, Instant.now().plusSeconds(60));
        }
        GenerationResult onDjl;
        try (LanguageModel model = new DjlEngine().load(Goldens.MODELS.resolve("llama"))) {
            onDjl = model.generate(chat(golden), sampling, Instant.now().plusSeconds(60));
        }
        assertThat(second).isEqualTo(first);
        assertThat(first).isEqualTo(onDjl);
        assertThat(first.text()).isNotEqualTo(golden.at("/greedy/text_skip_special").asText());
    }

    @Test
    void aPassedDeadlineStopsBeforeTheFirstToken() throws IOException {
        JsonNode golden = golden("gpt2");
        try (LanguageModel model = engine.load(OnnxFixtures.ONNX.resolve("gpt2"))) {
            GenerationResult greedy = model.generate(chat(golden), params(1.0, 0, 1.0, 32, 1.0, false, 1, 1.0, false, null),
                    Instant.now().minusSeconds(1));
            assertThat(greedy.finishReason()).isEqualTo(FinishReason.DEADLINE);
            assertThat(greedy.completionTokens()).isZero();
            GenerationResult beam = model.generate(chat(golden), params(1.0, 0, 1.0, 16, 1.0, false, 3, 1.0, false, null),
                    Instant.now().minusSeconds(1));
            assertThat(beam.finishReason()).isEqualTo(FinishReason.DEADLINE);
        }
    }

    @Test
    void claimsOnlyFoldersWhoseFormatIsOnnx() throws IOException {
        Path model = copy("gpt2", "m");
        assertThat(engine.supports(model)).isTrue();
        assertThat(engine.supports(dir.resolve("absent"))).isFalse();
        Files.writeString(model.resolve("pytorch_model.bin.index.json"), "{}");
        assertThat(engine.supports(model)).as("a PyTorch checkpoint beside the graph: still listed as onnx").isTrue();
        Files.write(model.resolve("model.gguf"), new byte[8]);
        assertThat(engine.supports(model)).as("GGUF wins").isFalse();
        Files.delete(model.resolve("model.gguf"));
        Files.copy(Goldens.MODELS.resolve("gpt2/model.safetensors"), model.resolve("model.safetensors"));
        assertThat(engine.supports(model)).as("safetensors win").isFalse();
        assertThat(new DjlEngine().supports(model)).isTrue();

        Path nested = Files.createDirectories(dir.resolve("hub/onnx"));
        Files.copy(OnnxFixtures.ONNX.resolve("gpt2/model.onnx"), nested.resolve("model.onnx"));
        Files.write(nested.resolve("model_quantized.onnx"), new byte[8]);
        assertThat(OnnxFolder.graph(dir.resolve("hub"))).contains(nested.resolve("model.onnx"));
    }

    @Test
    void garbageIsRefusedWithTheReason() throws IOException {
        Path model = copy("gpt2", "garbage");
        Files.write(model.resolve("model.onnx"), "this is not a protobuf".getBytes());
        assertThatThrownBy(() -> engine.load(model)).isInstanceOf(IOException.class)
                .hasMessage("model.onnx is not a readable ONNX model: malformed protobuf at byte 0: wire type 4");
        // And by the check, before a loaded model is given up for it.
        assertThatThrownBy(() -> engine.check(model)).isInstanceOf(IOException.class)
                .hasMessage("model.onnx is not a readable ONNX model: malformed protobuf at byte 0: wire type 4");
        // Well-formed protobuf (ir_version 7 and nothing else), but no model: ONNX Runtime says why.
        Files.write(model.resolve("model.onnx"), new byte[] {0x08, 0x07});
        assertThatThrownBy(() -> engine.load(model)).isInstanceOf(IOException.class)
                .hasMessageStartingWith("model.onnx is not a readable ONNX model: ")
                .hasMessageContaining("ORT_")
                .hasMessageNotContaining(dir.toString());
    }

    @Test
    void aTruncatedGraphIsRefused() throws IOException {
        Path model = copy("gpt2", "truncated");
        byte[] whole = Files.readAllBytes(model.resolve("model.onnx"));
        Files.write(model.resolve("model.onnx"), Arrays.copyOf(whole, whole.length / 2));
        assertThatThrownBy(() -> engine.load(model)).isInstanceOf(IOException.class)
                .hasMessageStartingWith("model.onnx is not a readable ONNX model: ");
    }

    @Test
    void missingOrTruncatedExternalDataIsRefused() throws IOException {
        Path missing = copy("llama", "no-data");
        Files.delete(missing.resolve("model.onnx_data"));
        assertThatThrownBy(() -> engine.load(missing)).isInstanceOf(IOException.class)
                .hasMessageStartingWith("model.onnx is not a readable ONNX model: ");

        Path truncated = copy("llama", "short-data");
        byte[] data = Files.readAllBytes(truncated.resolve("model.onnx_data"));
        Files.write(truncated.resolve("model.onnx_data"), Arrays.copyOf(data, data.length - 100));
        assertThatThrownBy(() -> engine.load(truncated)).isInstanceOf(IOException.class)
                .hasMessageStartingWith("model.onnx is not a readable ONNX model: ");
    }

    @Test
    void aConfigWithoutTheCacheShapeIsRefusedByField() throws IOException {
        Path model = copy("llama", "no-heads");
        Files.writeString(model.resolve("config.json"), "{\"model_type\": \"llama\", \"hidden_size\": 32}");
        assertThatThrownBy(() -> engine.load(model)).isInstanceOf(IOException.class)
                .hasMessage("config.json has no num_attention_heads or n_head");
        Files.delete(model.resolve("config.json"));
        assertThatThrownBy(() -> engine.load(model)).isInstanceOf(IOException.class)
                .hasMessageStartingWith("config.json is missing");
    }

    /** A graph whose cache shape disagrees with config.json fails the probe run at load, not the first chat. */
    @Test
    void aCacheShapeTheGraphRejectsFailsAtLoad() throws IOException {
        Path model = copy("llama", "wrong-heads");
        String config = Files.readString(model.resolve("config.json"));
        Files.writeString(model.resolve("config.json"),
                config.replace("\"num_key_value_heads\": 2", "\"num_key_value_heads\": 3"));
        assertThatThrownBy(() -> engine.load(model)).isInstanceOf(IOException.class)
                .hasMessageStartingWith("the ONNX graph does not run as a decoder with a KV cache: ");
    }

    private Path copy(String name, String as) throws IOException {
        Path target = Files.createDirectories(dir.resolve(as));
        try (var files = Files.list(OnnxFixtures.ONNX.resolve(name))) {
            for (Path file : files.toList()) {
                Files.copy(file, target.resolve(file.getFileName()));
            }
        }
        return target;
    }
}
