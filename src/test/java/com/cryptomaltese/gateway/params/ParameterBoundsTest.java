package com.cryptomaltese.gateway.params;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import com.cryptomaltese.gateway.api.FieldProblem;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@link Parameter#validate} against the specification's bounds. The table below is written out
 * from the specification on purpose and never read from {@link Parameter}: a wrong bound in the
 * enum must make this test fail, not move along with it.
 */
class ParameterBoundsTest {

    /** A bounded parameter as the specification states it. */
    record SpecBound(String field, boolean integer, double min, boolean minExclusive, double max) {
    }

    private static final List<SpecBound> SPEC = List.of(
            new SpecBound("temperature", false, 0, false, 2),
            new SpecBound("top_k", true, 1, false, 100),
            new SpecBound("top_p", false, 0, false, 1),
            new SpecBound("max_length", true, 1, false, 2048),
            // transformers divides by the penalty, so 0 itself is refused.
            new SpecBound("repetition_penalty", false, 0, true, 2),
            new SpecBound("num_beams", true, 1, false, 10),
            new SpecBound("length_penalty", false, 0, false, 2));

    /** Step used for "just inside" and "just outside" a decimal bound. */
    private static final double EPSILON = 0.0001;

    private static final String PREFIX = "parameters.";

    static Stream<Arguments> justInside() {
        List<Arguments> cases = new ArrayList<>();
        for (SpecBound b : SPEC) {
            if (b.integer()) {
                cases.add(Arguments.of(b.field(), (int) b.min()));
                cases.add(Arguments.of(b.field(), (int) b.min() + 1));
                cases.add(Arguments.of(b.field(), (int) b.max()));
                cases.add(Arguments.of(b.field(), (int) b.max() - 1));
            } else {
                cases.add(Arguments.of(b.field(), b.minExclusive() ? b.min() + EPSILON : b.min()));
                cases.add(Arguments.of(b.field(), b.max()));
                cases.add(Arguments.of(b.field(), b.max() - EPSILON));
            }
        }
        return cases.stream();
    }

    static Stream<Arguments> justOutside() {
        List<Arguments> cases = new ArrayList<>();
        for (SpecBound b : SPEC) {
            if (b.integer()) {
                cases.add(Arguments.of(b.field(), (int) b.min() - 1));
                cases.add(Arguments.of(b.field(), (int) b.max() + 1));
            } else {
                cases.add(Arguments.of(b.field(), b.min() - EPSILON));
                cases.add(Arguments.of(b.field(), b.max() + EPSILON));
                if (b.minExclusive()) {
                    cases.add(Arguments.of(b.field(), b.min()));
                }
            }
        }
        return cases.stream();
    }

    static Stream<Arguments> notFinite() {
        return SPEC.stream().filter(b -> !b.integer()).flatMap(b -> Stream.of(
                Arguments.of(b.field(), Double.NaN),
                Arguments.of(b.field(), Double.POSITIVE_INFINITY),
                Arguments.of(b.field(), Double.NEGATIVE_INFINITY)));
    }

    @ParameterizedTest(name = "{0} = {1} passes")
    @MethodSource("justInside")
    void valueJustInsideTheBoundPasses(String field, Number value) {
        assertThat(Parameter.validate(only(field, value), "")).isEmpty();
        assertThat(Parameter.validate(only(field, value), PREFIX)).isEmpty();
    }

    @ParameterizedTest(name = "{0} = {1} is refused")
    @MethodSource("justOutside")
    void valueJustOutsideTheBoundIsRefusedNamingTheField(String field, Number value) {
        assertSingleProblem(Parameter.validate(only(field, value), ""), field);
        assertSingleProblem(Parameter.validate(only(field, value), PREFIX), PREFIX + field);
    }

    @ParameterizedTest(name = "{0} = {1} is refused")
    @MethodSource("notFinite")
    void nanAndInfinityAreRefused(String field, double value) {
        assertSingleProblem(Parameter.validate(only(field, value), ""), field);
    }

    @Test
    void everyBoundedFieldHasASpecificationRow() {
        // Guards the table above: each bounded wire name appears once, so no bound goes untested.
        assertThat(SPEC).extracting(SpecBound::field).containsExactlyInAnyOrder(
                "temperature", "top_k", "top_p", "max_length", "repetition_penalty", "num_beams", "length_penalty");
    }

    @Test
    void emptySettingsAndBooleansHaveNoProblems() {
        assertThat(Parameter.validate(GenerationSettings.NONE, "")).isEmpty();
        assertThat(Parameter.validate(
                new GenerationSettings(null, null, null, null, null, false, null, null, true, null), "")).isEmpty();
    }

    @Test
    void everyOutOfRangeFieldIsReported() {
        GenerationSettings allWrong = new GenerationSettings(2.5, 0, 1.5, 4096, 0.0, true, 11, -1.0, false, null);
        assertThat(Parameter.validate(allWrong, PREFIX)).extracting(FieldProblem::field).containsExactlyInAnyOrder(
                "parameters.temperature", "parameters.top_k", "parameters.top_p", "parameters.max_length",
                "parameters.repetition_penalty", "parameters.num_beams", "parameters.length_penalty");
    }

    @Test
    void defaultsAreTheSpecificationDefaults() {
        GenerationSettings specification = new GenerationSettings(
                0.7,   // temperature
                50,    // top_k
                0.9,   // top_p
                512,   // max_length
                1.1,   // repetition_penalty
                true,  // do_sample
                1,     // num_beams
                1.0,   // length_penalty
                false, // early_stopping
                null   // seed: none
        );
        assertThat(Parameter.defaults()).isEqualTo(specification);
        // The defaults must themselves be valid.
        assertThat(Parameter.validate(Parameter.defaults(), "")).isEmpty();
    }

    @Test
    void tokenIdsMustBeNonNegative() {
        GenerationSettings valid = new GenerationSettings(null, null, null, null, null, null, null, null, null, null,
                TokenIds.of(java.util.List.of(0, Integer.MAX_VALUE)), 0);
        assertThat(Parameter.validate(valid, PREFIX)).isEmpty();
        assertSingleProblem(Parameter.validate(new GenerationSettings(null, null, null, null, null, null, null, null,
                null, null, TokenIds.of(java.util.List.of(2, -1)), null), PREFIX), "parameters.eos_token_id");
        assertSingleProblem(Parameter.validate(new GenerationSettings(null, null, null, null, null, null, null, null,
                null, null, TokenIds.of(-3), null), PREFIX), "parameters.eos_token_id");
        assertSingleProblem(Parameter.validate(new GenerationSettings(null, null, null, null, null, null, null, null,
                null, null, null, -1), PREFIX), "parameters.pad_token_id");
    }

    private static void assertSingleProblem(List<FieldProblem> problems, String expectedField) {
        assertThat(problems).hasSize(1);
        assertThat(problems.get(0).field()).isEqualTo(expectedField);
        assertThat(problems.get(0).problem()).isNotBlank();
    }

    /** Settings carrying only {@code field}; mapped by wire name here, independently of the enum. */
    private static GenerationSettings only(String field, Number value) {
        Double d = value.doubleValue();
        Integer i = value.intValue();
        return switch (field) {
            case "temperature" -> new GenerationSettings(d, null, null, null, null, null, null, null, null, null);
            case "top_k" -> new GenerationSettings(null, i, null, null, null, null, null, null, null, null);
            case "top_p" -> new GenerationSettings(null, null, d, null, null, null, null, null, null, null);
            case "max_length" -> new GenerationSettings(null, null, null, i, null, null, null, null, null, null);
            case "repetition_penalty" -> new GenerationSettings(null, null, null, null, d, null, null, null, null, null);
            case "num_beams" -> new GenerationSettings(null, null, null, null, null, null, i, null, null, null);
            case "length_penalty" -> new GenerationSettings(null, null, null, null, null, null, null, d, null, null);
            default -> throw new IllegalArgumentException("not a bounded parameter: " + field);
        };
    }
}
