package com.cryptomaltese.gateway.engine.llamacpp;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import com.cryptomaltese.gateway.engine.ChatMessage;
import com.cryptomaltese.gateway.engine.GenerationResult;
import com.cryptomaltese.gateway.engine.GenerationResult.FinishReason;
import com.cryptomaltese.gateway.engine.LanguageModel;
import com.cryptomaltese.gateway.engine.decode.DecoderLanguageModel;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

/**
 * The tiny random qwen2 fixture written as GGUF (tools/fixtures/make_gguf.py) in F32 and Q8_0. The
 * F32 file must reproduce transformers on the original weights (golden.json): the chat prompt's
 * token ids exactly, and the text of transformers' greedy ids (the ids themselves, and beam search,
 * in LlamaCppGoldenTest).
 */
class GgufFixtureTest {

    static final Path FIXTURES = Path.of("src/test/resources/fixtures/gguf").toAbsolutePath();
    static final Path F32 = FIXTURES.resolve("qwen2-f32");
    static final Path Q8_0 = FIXTURES.resolve("qwen2-q8_0");

    static JsonNode golden() throws IOException {
        return new ObjectMapper().readTree(F32.resolve("golden.json").toFile());
    }

    static List<ChatMessage> goldenMessages(JsonNode golden) {
        List<ChatMessage> messages = new ArrayList<>();
        golden.at("/prompt/messages").forEach(m -> messages.add(new ChatMessage(m.get("role").asText(),
                m.get("content").asText())));
        return messages;
    }

    @Test
    void f32ChatPromptTokenizesAndDecodesGreedilyAsTransformers() throws IOException {
        JsonNode golden = golden();
        List<ChatMessage> messages = goldenMessages(golden);
        int maxNew = golden.at("/greedy/kwargs/max_new_tokens").asInt();
        try (DecoderLanguageModel model = (DecoderLanguageModel) LlamaCppEngineTest.engine().load(F32)) {
            int[] expectedIds = new int[golden.at("/prompt/ids").size()];
            for (int i = 0; i < expectedIds.length; i++) {
                expectedIds[i] = golden.at("/prompt/ids").get(i).asInt();
            }
            // the ChatML template from the GGUF header, rendered by our renderer, tokenized by llama.cpp
            assertThat(model.tokenize(messages)).containsExactly(expectedIds);
            assertThat(model.contextLength()).isEqualTo(128); // qwen2.context_length

            GenerationResult result = model.generate(messages, LlamaCppEngineTest.greedy(maxNew),
                    Instant.now().plusSeconds(60));
            assertThat(result.text()).isEqualTo(golden.at("/greedy/text_skip_special").asText());
            assertThat(result.finishReason()).isEqualTo(FinishReason.LENGTH);
            assertThat(result.promptTokens()).isEqualTo(expectedIds.length);
            assertThat(result.completionTokens()).isEqualTo(maxNew);
        }
    }

    @Test
    void q8_0FileLoadsAndGeneratesToTheLimit() throws IOException {
        JsonNode golden = golden();
        try (LanguageModel model = LlamaCppEngineTest.engine().load(Q8_0);
             LanguageModel f32 = LlamaCppEngineTest.engine().load(F32)) {
            GenerationResult result = model.generate(goldenMessages(golden), LlamaCppEngineTest.greedy(12),
                    Instant.now().plusSeconds(60));
            assertThat(result.finishReason()).isEqualTo(FinishReason.LENGTH);
            assertThat(result.completionTokens()).isEqualTo(12);
            assertThat(result.text()).isNotEmpty();
            // Q8_0 weights are a quarter of F32's (34 bytes per 32 values), plus the F32 norms and biases
            assertThat(model.memoryBytes()).isLessThan(f32.memoryBytes());
        }
    }
}
