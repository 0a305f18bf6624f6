package com.cryptomaltese.gateway.engine.sampling;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

import com.cryptomaltese.gateway.engine.GenerationParams;
import com.cryptomaltese.gateway.engine.GenerationResult.FinishReason;

/** What the engine relies on beyond the ids (those are proven in GenerateGoldenTest). */
class BeamSearchTest {

    // From any token, token 2 is likely and token 3 (eos) less so; 0 and 1 are rare.
    private static final float[][] TABLE = {
        {0f, 0f, 3f, 1f}, {0f, 0f, 3f, 1f}, {0f, 0f, 3f, 1f}, {0f, 0f, 3f, 1f},
    };
    private static final int[] PROMPT = {0, 1};

    private static GenerationParams params(int beams, int maxNew, double lengthPenalty) {
        return new GenerationParams(1.0, 0, 1.0, maxNew, 1.0, false, beams, lengthPenalty, false, null);
    }

    @Test
    void firstStepExpandsOnlyTheFirstBeamAndParentsStayInRange() {
        BigramStepper stepper = new BigramStepper(TABLE, PROMPT, 2);
        BeamSearch.run(stepper, PROMPT, params(2, 4, 1.0));
        assertThat(stepper.parentsSeen).isNotEmpty();
        assertThat(stepper.parentsSeen.get(0)).as("every beam descends from beam 0 at first").containsOnly(0);
        assertThat(stepper.parentsSeen).allSatisfy(p -> assertThat(p).hasSize(2).containsAnyOf(0, 1).doesNotContain(-1, 2));
    }

    @Test
    void withoutEosTheSearchRunsToTheLimitAndSaysLength() {
        BigramStepper stepper = new BigramStepper(TABLE, PROMPT, 2);
        BeamSearch.Result result = BeamSearch.run(stepper, PROMPT, params(2, 5, 1.0));
        assertThat(result.tokens()).containsExactly(2, 2, 2, 2, 2);
        assertThat(result.finishReason()).isEqualTo(FinishReason.LENGTH);
        assertThat(stepper.logitsCalls).isEqualTo(5);
        assertThat(stepper.parentsSeen).as("no advance after the last step").hasSize(4);
    }

    @Test
    void aNegativeLengthPenaltyFavoursTheShortEosHypothesis() {
        // log p(2) = -0.17, log p(3) = -2.17: "3" alone scores -2.17 / 1^-2 while "2 2 3" scores
        // -2.51 / 3^-2 = -22.6, so eos right away wins; with no penalty on length the longer run of 2s would.
        BeamSearch.Result result = BeamSearch.run(new BigramStepper(TABLE, PROMPT, 2), PROMPT, params(2, 6, -2.0), 3);
        assertThat(result.tokens()).containsExactly(3);
        assertThat(result.finishReason()).isEqualTo(FinishReason.STOP);
    }

    @Test
    void aStepperWithTheWrongNumberOfRowsIsRejected() {
        BigramStepper oneRow = new BigramStepper(TABLE, PROMPT, 1);
        assertThatThrownBy(() -> BeamSearch.run(oneRow, PROMPT, params(3, 4, 1.0)))
                .hasMessageContaining("1 rows").hasMessageContaining("expected 3");
    }
}
