package com.cryptomaltese.gateway.engine.llamacpp;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

import com.cryptomaltese.gateway.TestData;
import com.cryptomaltese.gateway.engine.LanguageModel;
import com.cryptomaltese.gateway.engine.gguf.GgufArray;
import com.cryptomaltese.gateway.engine.gguf.GgufArray.Type;
import com.cryptomaltese.gateway.engine.gguf.GgufHeader;
import com.cryptomaltese.gateway.engine.gguf.GgufReader;
import org.junit.jupiter.api.Test;

/**
 * Headers llama.cpp b4916 meets with an assert or an unchecked read, which ends the process: each
 * found by changing one key of the real TinyStories-260K GGUF header (every variant below aborted
 * or crashed a gateway before these checks).
 */
class LlamaCppPreflightTest {

    private static final Path STORIES = LlamaCppEngineTest.STORIES_GGUF.resolve("stories260K.gguf");

    @Test
    void theRealFilesPass() throws IOException {
        assertThat(LlamaCppPreflight.problem(GgufReader.read(STORIES))).isEmpty();
        Path random = Path.of("../shared/models/ollama/llama-2-tiny-random.gguf").toAbsolutePath();
        assertThat(LlamaCppPreflight.problem(GgufReader.read(random))).isEmpty();
    }

    @Test
    void layerAndExpertCountsOutsideWhatLlamaCppAssertsAreRefused() throws IOException {
        assertThat(problem(m -> m.put("llama.block_count", 0L))).hasValue("llama.block_count is 0; llama.cpp runs 1 to 512 layers");
        assertThat(problem(m -> m.put("llama.expert_count", 300L))).hasValue("llama.expert_count is 300; llama.cpp runs at most 256");
        assertThat(problem(m -> m.put("llama.expert_used_count", 2L))).hasValue("llama.expert_used_count is 2 with "
                + "llama.expert_count 0; it must be from 1 to the expert count, or 0 without experts");
        assertThat(problem(m -> m.put("llama.expert_count", 8L))).hasValue("llama.expert_used_count is 0 with "
                + "llama.expert_count 8; it must be from 1 to the expert count, or 0 without experts");
        assertThat(problem(m -> {
            m.put("llama.expert_count", 8L);
            m.put("llama.expert_used_count", 2L);
        })).isEmpty();
        assertThat(problem(m -> m.put("llama.rope.scaling.type", "bogus"))).hasValue(
                "llama.rope.scaling.type is 'bogus'; llama.cpp knows linear, longrope, none, yarn");
        assertThat(problem(m -> m.put("llama.rope.scaling.type", "yarn"))).isEmpty();
    }

    @Test
    void vocabularyArraysOfTheWrongTypeOrLengthAreRefused() throws IOException {
        assertThat(problem(m -> m.put("tokenizer.ggml.tokens", "hello")))
                .hasValue("tokenizer.ggml.tokens is not a non-empty array of strings");
        assertThat(problem(m -> m.put("tokenizer.ggml.tokens", new GgufArray(Type.STRING, List.of()))))
                .hasValue("tokenizer.ggml.tokens is not a non-empty array of strings");
        assertThat(problem(m -> m.put("tokenizer.ggml.tokens", new GgufArray(Type.INT32, List.of(1, 2)))))
                .hasValue("tokenizer.ggml.tokens is not a non-empty array of strings");
        assertThat(problem(m -> m.put("tokenizer.ggml.scores", new GgufArray(Type.FLOAT32, List.of(0f, 1f, 2f)))))
                .hasValue("tokenizer.ggml.scores is not an array of float32 values with one per token (512)");
        assertThat(problem(m -> m.put("tokenizer.ggml.token_type", retyped(m.get("tokenizer.ggml.token_type"), Type.UINT8))))
                .hasValue("tokenizer.ggml.token_type is not an array of int32 values with one per token (512)");
        // More than one per token is read as far as needed.
        assertThat(problem(m -> {
            List<Object> longer = new ArrayList<>((List<?>) m.get("tokenizer.ggml.scores"));
            longer.add(0f);
            m.put("tokenizer.ggml.scores", new GgufArray(Type.FLOAT32, longer));
        })).isEmpty();
        assertThat(problem(m -> m.put("tokenizer.ggml.merges", new GgufArray(Type.INT32, List.of(1)))))
                .hasValue("tokenizer.ggml.merges is not an array of strings");
        assertThat(problem(m -> m.put("tokenizer.ggml.precompiled_charsmap", new GgufArray(Type.STRING, List.of("x")))))
                .hasValue("tokenizer.ggml.precompiled_charsmap is not an array of bytes");
    }

    @Test
    void aDuplicateTokenOrAMissingByteTokenIsRefused() throws IOException {
        assertThat(problem(m -> m.put("tokenizer.ggml.tokens", replaced(m, 301, tokens(m).get(300)))))
                .hasValue("tokenizer.ggml.tokens holds '" + tokens(m0()).get(300) + "' twice (ids 300 and 301)");
        // Empty tokens are not duplicates: llama.cpp names each after its id.
        assertThat(problem(m -> m.put("tokenizer.ggml.tokens", replaced(Map.of("tokenizer.ggml.tokens",
                replaced(m, 400, "")), 401, "")))).isEmpty();
        int byteC3 = tokens(m0()).indexOf("<0xC3>");
        assertThat(problem(m -> m.put("tokenizer.ggml.tokens", replaced(m, byteC3, "<no byte>"))))
                .hasValue("its SentencePiece vocabulary has no token for byte <0xC3>, which llama.cpp needs for text "
                        + "outside the vocabulary");
        // For ASCII, the character itself as a token does (llama.cpp falls back to it).
        int byteTilde = tokens(m0()).indexOf("<0x7E>");
        int tilde = tokens(m0()).indexOf("~");
        assertThat(problem(m -> m.put("tokenizer.ggml.tokens", replaced(m, byteTilde, "<no byte>")))).isEmpty();
        assertThat(problem(m -> m.put("tokenizer.ggml.tokens",
                replaced(Map.of("tokenizer.ggml.tokens", replaced(m, byteTilde, "<no byte>")), tilde, "<no tilde>"))))
                .hasValue("its SentencePiece vocabulary has no token for byte <0x7E>, which llama.cpp needs for text "
                        + "outside the vocabulary");
    }

    /** Used, such an id failed every chat with a 500 (llama.cpp warns and keeps its own default). */
    @Test
    void aSpecialTokenIdOutsideTheVocabularyIsNotUsed() throws IOException {
        GgufHeader real = GgufReader.read(STORIES);
        Map<String, Object> meta = new LinkedHashMap<>(real.metadata());
        meta.put("tokenizer.ggml.bos_token_id", 99_999L);
        GgufVocabulary vocabulary = GgufVocabulary.of(new GgufHeader(real.version(), real.tensorCount(), meta,
                real.tensors(), real.dataOffset(), real.alignment()));
        assertThat(vocabulary.bosId()).isEqualTo(-1);
        assertThat(vocabulary.addBos()).isFalse();
        assertThat(GgufVocabulary.of(real).bosId()).isEqualTo(1);
    }

    /** End to end: a header llama.cpp would have aborted on is a load error, and loading goes on. */
    @Test
    void theEngineRefusesSuchAFileAndTheProcessLives() throws IOException {
        byte[] bytes = Files.readAllBytes(STORIES);
        int key = indexOf(bytes, "llama.block_count".getBytes(StandardCharsets.US_ASCII));
        // key, then its type (u32) and value (u32): the layer count becomes 0
        int value = key + "llama.block_count".length() + 4;
        bytes[value] = 0;
        Path dir = TestData.freshDataDir("target/test-data/llamacpp-preflight");
        Files.write(dir.resolve("model.gguf"), bytes);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> LlamaCppEngineTest.engine().load(dir))
                .isInstanceOf(IOException.class)
                .hasMessage("GGUF file model.gguf cannot run: llama.block_count is 0; llama.cpp runs 1 to 512 layers");
        try (LanguageModel good = LlamaCppEngineTest.engine().load(LlamaCppEngineTest.STORIES_GGUF)) {
            assertThat(good.generate(LlamaCppEngineTest.ONCE, LlamaCppEngineTest.greedy(30),
                    LlamaCppEngineTest.inAMinute()).text()).isEqualTo(LlamaCppEngineTest.GREEDY_30);
        }
    }

    private static java.util.Optional<String> problem(Consumer<Map<String, Object>> change) throws IOException {
        GgufHeader real = GgufReader.read(STORIES);
        Map<String, Object> meta = new LinkedHashMap<>(real.metadata());
        change.accept(meta);
        return LlamaCppPreflight.problem(new GgufHeader(real.version(), real.tensorCount(), meta, real.tensors(),
                real.dataOffset(), real.alignment()));
    }

    private static Map<String, Object> m0() throws IOException {
        return GgufReader.read(STORIES).metadata();
    }

    @SuppressWarnings("unchecked")
    private static List<Object> tokens(Map<String, Object> meta) {
        return (List<Object>) meta.get("tokenizer.ggml.tokens");
    }

    private static GgufArray replaced(Map<String, Object> meta, int id, Object token) {
        List<Object> copy = new ArrayList<>(tokens(meta));
        copy.set(id, token);
        return new GgufArray(Type.STRING, copy);
    }

    private static GgufArray retyped(Object array, Type type) {
        return new GgufArray(type, new ArrayList<>((List<?>) array));
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i <= haystack.length - needle.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        throw new AssertionError("not found");
    }
}
