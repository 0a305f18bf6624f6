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
import com.cryptomaltese.gateway.engine.LanguageModel;
import com.cryptomaltese.gateway.engine.UnsupportedParameterException;
import com.cryptomaltese.gateway.engine.decode.DecoderLanguageModel;
import com.cryptomaltese.gateway.engine.decode.DecoderState;
import ai.djl.ndarray.NDManager;
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

    static DecoderLanguageModel model;

    static LlamaCppEngine engine() {
        return new LlamaCppEngine(new LlamaCppSettings(4096, 0),
                TestData.freshDataDir("target/test-data/llamacpp-engine").resolve("native"));
    }

    @BeforeAll
    static void load() throws IOException {
        model = (DecoderLanguageModel) engine().load(STORIES_GGUF);
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
        try (LanguageModel capped = new LlamaCppEngine(new LlamaCppSettings(64, 1),
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

    /**
     * A temperature whose division overflows float32 samples as its limit, greedy, and a vanishing
     * repetition penalty generates too: both made NaN scores, a token id of -1, and llama.cpp then
     * aborted the whole process.
     */
    @Test
    void vanishingTemperatureOrPenaltyGeneratesInsteadOfAbortingTheProcess() {
        GenerationParams tiny = new GenerationParams(1e-300, 50, 0.95, 30, 1.0, true, 1, 1.0, false, 7L);
        assertThat(model.generate(ONCE, tiny, inAMinute()).text()).isEqualTo(GREEDY_30);
        GenerationParams penalty = new GenerationParams(1.0, 50, 0.95, 10, 1e-300, true, 1, 1.0, false, 7L);
        assertThat(model.generate(ONCE, penalty, inAMinute()).completionTokens()).isEqualTo(10);
    }

    /** A token id outside the vocabulary is refused before llama.cpp sees it (which would abort the process). */
    @Test
    void tokenIdsOutsideTheVocabularyAreRefused() throws IOException {
        try (LlamaCppDecoder decoder = engine().decoder(STORIES_GGUF);
             NDManager manager = NDManager.newBaseManager();
             DecoderState state = decoder.newState(manager)) {
            for (int bad : new int[] {-1, decoder.vocabSize()}) {
                assertThatThrownBy(() -> state.forward(new int[] {1, bad}, manager))
                        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("outside the vocabulary");
            }
            assertThat(state.forward(new int[] {1, 403}, manager).getShape().getLastDimension())
                    .isEqualTo(decoder.vocabSize());
        }
    }

    /**
     * Beam search runs on llama.cpp's logits like on every engine's (its ids against transformers':
     * LlamaCppGoldenTest); the best of three beams of a greedy-first story is a fluent continuation.
     */
    @Test
    void beamSearchAndItsParametersRun() {
        GenerationResult beams = model.generate(ONCE, params(12, false, null, 3, 0.8, true), inAMinute());
        assertThat(beams.text()).startsWith(",");
        assertThat(beams.completionTokens()).isBetween(1, 12);
        assertThat(beams.finishReason()).isIn(FinishReason.LENGTH, FinishReason.STOP);
    }

    /**
     * Beams that need more KV-cache cells than the context holds are refused naming num_beams, and
     * their sequences are freed: refused many times over (more beams than the context has sequence
     * ids), the model still answers.
     */
    @Test
    void beamsBeyondTheKvCacheAreRefusedAndLeaveNothingTaken() throws IOException {
        try (LanguageModel small = new LlamaCppEngine(new LlamaCppSettings(64, 1),
                Path.of("target/test-data/llamacpp-engine/native")).load(STORIES_GGUF)) {
            for (int i = 0; i < 2 * LlamaCppDecoder.SEQUENCES / 10 + 1; i++) {
                assertThatThrownBy(() -> small.generate(ONCE, params(58, false, null, 10, 1.0, false), inAMinute()))
                        .isInstanceOf(UnsupportedParameterException.class).hasMessageContaining("KV cache")
                        .extracting(e -> ((UnsupportedParameterException) e).parameter()).isEqualTo("num_beams");
            }
            assertThat(small.generate(ONCE, greedy(30), inAMinute()).text()).isEqualTo(GREEDY_30);
        }
    }

    /**
     * An end token of the request's own replaces the model's: the first greedy token ends the reply
     * at once, and shows in it, as in transformers (it is not a special token).
     */
    @Test
    void anEosOverrideStopsAtItsToken() {
        int comma = 432; // the first id of the golden continuation ", there was a"
        GenerationParams untilComma = greedy(30).withSpecialTokens(List.of(comma), null);
        GenerationResult result = model.generate(ONCE, untilComma, inAMinute());
        assertThat(result.text()).isEqualTo(",");
        assertThat(result.finishReason()).isEqualTo(FinishReason.STOP);
        assertThat(result.completionTokens()).isEqualTo(1);
    }

    /**
     * A header our reader accepts but llama.cpp cannot run (architecture "lxama"): the check before
     * a load (which runs while another model is still loaded) and the load fail naming the file and
     * llama.cpp's reason (from its log), and the next load works.
     */
    @Test
    void aFileLlamaCppRefusesIsALoadErrorAndLoadingGoesOn() throws IOException {
        Path dir = storiesWithLxama("general.architecture", "target/test-data/llamacpp-engine-arch");
        String refusal = "llama.cpp cannot load model.gguf: error loading model architecture: unknown model "
                + "architecture: 'lxama'";
        assertThatThrownBy(() -> engine().check(dir)).isInstanceOf(IOException.class).hasMessage(refusal);
        assertThatThrownBy(() -> engine().load(dir)).isInstanceOf(IOException.class).hasMessage(refusal);
        try (LanguageModel again = engine().load(STORIES_GGUF)) {
            assertThat(again.generate(ONCE, greedy(30), inAMinute()).text()).isEqualTo(GREEDY_30);
        }
    }

    /**
     * A tokenizer model llama.cpp does not know (tokenizer.ggml.model "lxama", patched in place),
     * which our reader leaves to it: llama.cpp's vocabulary-only read in the check refuses it.
     */
    @Test
    void aVocabularyLlamaCppCannotReadIsFoundByTheCheck() throws IOException {
        Path dir = storiesWithLxama("tokenizer.ggml.model", "target/test-data/llamacpp-engine-vocab");
        assertThatThrownBy(() -> engine().check(dir)).isInstanceOf(IOException.class)
                .hasMessage("llama.cpp cannot load model.gguf: error loading model vocabulary: unknown tokenizer: 'lxama'");
        engine().check(STORIES_GGUF);
    }

    /** The stories GGUF with the value "llama" of {@code key} patched in place to "lxama", as model.gguf in {@code dir}. */
    private static Path storiesWithLxama(String key, String dir) throws IOException {
        byte[] bytes = Files.readAllBytes(STORIES_GGUF.resolve("stories260K.gguf"));
        int at = indexOf(bytes, key.getBytes(StandardCharsets.US_ASCII));
        bytes[indexOf(bytes, "llama".getBytes(StandardCharsets.US_ASCII), at) + 1] = 'x';
        Path folder = TestData.freshDataDir(dir);
        Files.write(folder.resolve("model.gguf"), bytes);
        return folder;
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
     * Unloading frees the native model and context (the RSS before and after is in
     * tools/bench/README.md): a model loaded again afterwards answers as the first did, and loads
     * of the same file side by side are independent.
     */
    @Test
    void aModelLoadedAgainAfterAnUnloadAnswersTheSame() throws IOException {
        LanguageModel first = engine().load(STORIES_GGUF);
        first.close();
        try (LanguageModel second = engine().load(STORIES_GGUF); LanguageModel third = engine().load(STORIES_GGUF)) {
            assertThat(second.generate(ONCE, greedy(30), inAMinute()).text()).isEqualTo(GREEDY_30);
            third.close();
            assertThat(second.generate(ONCE, greedy(30), inAMinute()).text()).isEqualTo(GREEDY_30);
        }
    }

    @Test
    void aClosedModelRefusesToGenerate() throws IOException {
        LanguageModel other = engine().load(STORIES_GGUF);
        other.close();
        assertThatThrownBy(() -> other.generate(ONCE, greedy(4), inAMinute()))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("unloaded");
        assertThatThrownBy(() -> other.promptTokens(ONCE))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("unloaded");
    }
}
