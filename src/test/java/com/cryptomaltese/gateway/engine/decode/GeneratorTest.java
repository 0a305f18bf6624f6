package com.cryptomaltese.gateway.engine.decode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

import ai.djl.ndarray.NDManager;
import com.cryptomaltese.gateway.engine.GenerationResult.FinishReason;
import com.cryptomaltese.gateway.engine.PromptTooLongException;
import com.cryptomaltese.gateway.engine.arch.Architectures;
import com.cryptomaltese.gateway.engine.arch.DecoderModel;
import com.cryptomaltese.gateway.engine.weights.SafetensorsModel;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The decode loop's stopping rules, on the real TinyStories-260K model (512 positions). */
class GeneratorTest {

    static final Path STORIES = Path.of("../shared/models/stories260K/hf");
    static final int[] PROMPT = {1, 403, 407, 261, 378};
    static NDManager manager;
    static DecoderModel model;

    @BeforeAll
    static void load() throws Exception {
        manager = NDManager.newBaseManager();
        try (SafetensorsModel weights = SafetensorsModel.open(STORIES)) {
            model = Architectures.load(STORIES, weights, manager);
        }
    }

    @AfterAll
    static void release() {
        model.close();
        manager.close();
    }

    private Generator generator() {
        return new Generator(model, manager, Clock.systemUTC());
    }

    @Test
    void aPassedDeadlineStopsBeforeAnyToken() {
        Generator.Output out = generator().generate(PROMPT, 30, Set.of(2), TokenSelector.greedy(),
                Instant.now().minusMillis(1), t -> { });
        assertThat(out.tokens()).isEmpty();
        assertThat(out.finishReason()).isEqualTo(FinishReason.DEADLINE);
    }

    @Test
    void endOfSequenceStopsAndIsReported() {
        // Token 383 (" there") is the second greedy token: declaring it end-of-sequence stops there.
        Generator.Output out = generator().generate(PROMPT, 30, Set.of(383), TokenSelector.greedy(),
                Instant.now().plusSeconds(60), t -> { });
        assertThat(out.tokens()).containsExactly(432, 383);
        assertThat(out.finishReason()).isEqualTo(FinishReason.STOP);
    }

    @Test
    void everyTokenReachesTheCallbackInOrder() {
        List<Integer> streamed = new ArrayList<>();
        Generator.Output out = generator().generate(PROMPT, 5, Set.of(), TokenSelector.greedy(),
                Instant.now().plusSeconds(60), streamed::add);
        assertThat(out.finishReason()).isEqualTo(FinishReason.LENGTH);
        assertThat(streamed).containsExactly(432, 383, 286, 261, 376);
    }

    /**
     * 512 positions: a 510-token prompt runs at 510 and 511 for the first two new tokens, and the third
     * comes out of position 511 without being run. transformers does the same on a model with learned
     * positions (GPT-2 with 128: two new tokens from a 127-token prompt, one from a 128-token prompt).
     */
    @Test
    void generationStopsAtTheModelsContext() {
        Generator.Output out = generator().generate(prompt(510), 30, Set.of(), TokenSelector.greedy(),
                Instant.now().plusSeconds(60), t -> { });
        assertThat(out.tokens()).hasSize(3);
        assertThat(out.finishReason()).isEqualTo(FinishReason.LENGTH);
    }

    @Test
    void aPromptThatFillsTheContextGetsOneToken() {
        Generator.Output out = generator().generate(prompt(512), 30, Set.of(), TokenSelector.greedy(),
                Instant.now().plusSeconds(60), t -> { });
        assertThat(out.tokens()).hasSize(1);
    }

    @Test
    void aPromptLongerThanTheContextIsRefused() {
        assertThatThrownBy(() -> generator().generate(prompt(513), 30, Set.of(), TokenSelector.greedy(),
                Instant.now().plusSeconds(60), t -> { }))
                .isInstanceOf(PromptTooLongException.class)
                .hasMessage("the prompt has 513 tokens; the model takes at most 512");
    }

    private static int[] prompt(int length) {
        int[] prompt = new int[length];
        prompt[0] = 1;
        Arrays.fill(prompt, 1, length, 378);
        return prompt;
    }
}
