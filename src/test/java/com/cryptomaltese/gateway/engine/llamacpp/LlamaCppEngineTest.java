package com.cryptomaltese.gateway.engine.llamacpp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;

import com.cryptomaltese.gateway.TestData;
import com.cryptomaltese.gateway.engine.ChatMessage;
import com.cryptomaltese.gateway.engine.GenerationParams;
import com.cryptomaltese.gateway.engine.GenerationResult;
import com.cryptomaltese.gateway.engine.GenerationResult.FinishReason;
import com.cryptomaltese.gateway.engine.UnsupportedParameterException;
import de.kherud.llama.LlamaModel;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The trained TinyStories-260K GGUF (../shared/models/stories260K/gguf) on llama.cpp, without the
 * gateway around it. Expected values come from transformers (../shared/models/PROVENANCE.md):
 * "Once upon a time" is [1, 403, 407, 261, 378] and its 30-token greedy continuation the text below.
 */
class LlamaCppEngineTest {

    static final Path STORIES_GGUF = Path.of("../shared/models/stories260K/gguf").toAbsolutePath().normalize();
    static final String GREEDY_30 =
            ", there was a little girl named Lily. She loved to play outside in the park. One day,";
    static final List<ChatMessage> ONCE = List.of(ChatMessage.user("Once upon a time"));

    static LlamaCppModel model;

    static LlamaCppEngine engine() {
        return new LlamaCppEngine(new LlamaCppSettings(4096, 0),
                TestData.freshDataDir("target/test-data/llamacpp-engine").resolve("native"));
    }

    @BeforeAll
    static void load() throws IOException {
        model = (LlamaCppModel) engine().load(STORIES_GGUF);
    }

    @AfterAll
    static void close() {
        model.close();
    }

    /** The one place GenerationParams is constructed here: greedy unless a seed asks for sampling. */
    static GenerationParams params(int maxLength, boolean doSample, Long seed, int numBeams, double lengthPenalty,
                                   boolean earlyStopping) {
        return new GenerationParams(1.0, 50, 0.95, maxLength, 1.0, doSample, numBeams, lengthPenalty, earlyStopping,
                seed);
    }

    static GenerationParams greedy(int maxLength) {
        return params(maxLength, false, null, 1, 1.0, false);
    }

    static Instant inAMinute() {
        return Instant.now().plusSeconds(60);
    }

    @Test
    void supportsGgufOnlyFolders() {
        LlamaCppEngine engine = engine();
        assertThat(engine.supports(STORIES_GGUF)).isTrue();
        assertThat(engine.supports(TestData.STORIES)).isFalse(); // safetensors: DJL's
        assertThat(engine.name()).isEqualTo("llama.cpp");
    }

    @Test
    void contextComesFromTheHeaderCappedByConfiguration() throws IOException {
        assertThat(model.contextLength()).isEqualTo(512); // llama.context_length
        try (LlamaCppModel capped = (LlamaCppModel) new LlamaCppEngine(new LlamaCppSettings(64, 1),
                Path.of("target/test-data/llamacpp-engine/native")).load(STORIES_GGUF)) {
            assertThat(capped.contextLength()).isEqualTo(64);
        }
    }

    @Test
    void tokenizesAsTransformersWithBos() {
        assertThat(model.tokenize(ONCE)).containsExactly(1, 403, 407, 261, 378);
        assertThat(model.promptTokens(ONCE)).isEqualTo(5);
    }

    @Test
    void greedyContinuationIsTransformers() {
        GenerationResult result = model.generate(ONCE, greedy(30), inAMinute());
        assertThat(result.text()).isEqualTo(GREEDY_30);
        assertThat(result.finishReason()).isEqualTo(FinishReason.LENGTH);
        assertThat(result.promptTokens()).isEqualTo(5);
        assertThat(result.completionTokens()).isEqualTo(30);
    }

    @Test
    void maxLengthCountsNewTokens() {
        GenerationResult result = model.generate(ONCE, greedy(4), inAMinute());
        assertThat(result.text()).isEqualTo(", there was a"); // ids 432 383 286 261 of the golden continuation
        assertThat(result.completionTokens()).isEqualTo(4);
        assertThat(result.finishReason()).isEqualTo(FinishReason.LENGTH);
    }

    @Test
    void aPassedDeadlineStopsTheGeneration() {
        GenerationResult result = model.generate(ONCE, greedy(30), Instant.now().minusSeconds(1));
        assertThat(result.finishReason()).isEqualTo(FinishReason.DEADLINE);
        assertThat(result.completionTokens()).isZero();
    }

    @Test
    void seededSamplingRepeatsAndSeedsDiffer() {
        String first = model.generate(ONCE, params(40, true, 7L, 1, 1.0, false), inAMinute()).text();
        String again = model.generate(ONCE, params(40, true, 7L, 1, 1.0, false), inAMinute()).text();
        assertThat(again).isEqualTo(first);
        List<String> others = List.of(1L, 2L, 3L).stream()
                .map(seed -> model.generate(ONCE, params(40, true, seed, 1, 1.0, false), inAMinute()).text()).toList();
        assertThat(others).anyMatch(text -> !text.equals(first));
    }

    @Test
    void beamSearchParametersAreRefusedByName() {
        assertThatThrownBy(() -> model.generate(ONCE, params(8, false, null, 2, 1.0, false), inAMinute()))
                .isInstanceOf(UnsupportedParameterException.class)
                .hasMessageContaining("no beam search")
                .extracting(e -> ((UnsupportedParameterException) e).parameter()).isEqualTo("num_beams");
        assertThatThrownBy(() -> model.generate(ONCE, params(8, false, null, 1, 0.8, false), inAMinute()))
                .extracting(e -> ((UnsupportedParameterException) e).parameter()).isEqualTo("length_penalty");
        assertThatThrownBy(() -> model.generate(ONCE, params(8, false, null, 1, 1.0, true), inAMinute()))
                .extracting(e -> ((UnsupportedParameterException) e).parameter()).isEqualTo("early_stopping");
    }

    /**
     * A header our reader accepts but llama.cpp cannot run (architecture "lxama"): a load error
     * naming the file, and the next load works.
     */
    @Test
    void aFileLlamaCppRefusesIsALoadErrorAndLoadingGoesOn() throws IOException {
        byte[] bytes = Files.readAllBytes(STORIES_GGUF.resolve("stories260K.gguf"));
        int key = indexOf(bytes, "general.architecture".getBytes(StandardCharsets.US_ASCII));
        int value = indexOf(bytes, "llama".getBytes(StandardCharsets.US_ASCII), key);
        bytes[value + 1] = 'x';
        Path dir = TestData.freshDataDir("target/test-data/llamacpp-engine-arch");
        Files.write(dir.resolve("model.gguf"), bytes);
        assertThatThrownBy(() -> engine().load(dir)).isInstanceOf(IOException.class)
                .hasMessageStartingWith("llama.cpp cannot load model.gguf (").hasMessageContaining("architecture or tensors");
        try (LlamaCppModel again = (LlamaCppModel) engine().load(STORIES_GGUF)) {
            assertThat(again.generate(ONCE, greedy(30), inAMinute()).text()).isEqualTo(GREEDY_30);
        }
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        return indexOf(haystack, needle, 0);
    }

    private static int indexOf(byte[] haystack, byte[] needle, int from) {
        outer:
        for (int i = from; i <= haystack.length - needle.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        throw new AssertionError("not found");
    }

    /**
     * The binding cannot free a native model, so an unloaded one is kept and serves the next load of
     * the same file: switching back and forth does not add a model to the process each time.
     */
    @Test
    void aReloadOfTheSameFileReusesTheNativeModel() throws IOException {
        LlamaCppModel first = (LlamaCppModel) engine().load(STORIES_GGUF);
        LlamaModel nativeModel = first.llama();
        first.close();
        try (LlamaCppModel second = (LlamaCppModel) engine().load(STORIES_GGUF)) {
            assertThat(second.llama()).isSameAs(nativeModel);
            assertThat(second.generate(ONCE, greedy(30), inAMinute()).text()).isEqualTo(GREEDY_30);
            try (LlamaCppModel concurrent = (LlamaCppModel) engine().load(STORIES_GGUF)) {
                assertThat(concurrent.llama()).isNotSameAs(nativeModel); // a parked model serves one holder
            }
        }
    }

    @Test
    void aClosedModelRefusesToGenerate() throws IOException {
        LlamaCppModel other = (LlamaCppModel) engine().load(STORIES_GGUF);
        other.close();
        assertThatThrownBy(() -> other.generate(ONCE, greedy(4), inAMinute()))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("unloaded");
    }
}
