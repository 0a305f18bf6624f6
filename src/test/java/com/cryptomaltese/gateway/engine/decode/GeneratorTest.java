package com.cryptomaltese.gateway.engine.decode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
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

    @Test
    void generationStopsAtTheModelsContext() {
        int[] prompt = new int[510];
        prompt[0] = 1;
        for (int i = 1; i < prompt.length; i++) {
            prompt[i] = 378;
        }
        Generator.Output out = generator().generate(prompt, 30, Set.of(), TokenSelector.greedy(),
                Instant.now().plusSeconds(60), t -> { });
        assertThat(out.tokens()).hasSize(2); // 512 positions in all
        assertThat(out.finishReason()).isEqualTo(FinishReason.LENGTH);
    }

    @Test
    void aPromptThatFillsTheContextIsRefused() {
        assertThatThrownBy(() -> generator().generate(new int[512], 30, Set.of(), TokenSelector.greedy(),
                Instant.now().plusSeconds(60), t -> { }))
                .isInstanceOf(PromptTooLongException.class).hasMessageContaining("512 tokens");
    }
}
