package com.cryptomaltese.gateway.params;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

import com.cryptomaltese.gateway.api.FieldProblem;

/**
 * The generation parameters of the specification: wire name, type, bounds and default, in one
 * table. Validation, persistence and the change history are all driven from here.
 */
public enum Parameter {
    TEMPERATURE("temperature", Kind.NUMBER, 0, false, 2, 0.7, GenerationSettings::temperature),
    TOP_K("top_k", Kind.INTEGER, 1, false, 100, 50, GenerationSettings::topK),
    TOP_P("top_p", Kind.NUMBER, 0, false, 1, 0.9, GenerationSettings::topP),
    MAX_LENGTH("max_length", Kind.INTEGER, 1, false, 2048, 512, GenerationSettings::maxLength),
    // transformers refuses a penalty of 0 (it divides by it): the lower bound is exclusive.
    REPETITION_PENALTY("repetition_penalty", Kind.NUMBER, 0, true, 2, 1.1, GenerationSettings::repetitionPenalty),
    DO_SAMPLE("do_sample", Kind.BOOLEAN, 0, false, 0, true, GenerationSettings::doSample),
    NUM_BEAMS("num_beams", Kind.INTEGER, 1, false, 10, 1, GenerationSettings::numBeams),
    LENGTH_PENALTY("length_penalty", Kind.NUMBER, 0, false, 2, 1.0, GenerationSettings::lengthPenalty),
    EARLY_STOPPING("early_stopping", Kind.BOOLEAN, 0, false, 0, false, GenerationSettings::earlyStopping),
    // Not in transformers' generate(): seeds the sampler so a reply can be reproduced. No default:
    // without one, every chat samples afresh.
    SEED("seed", Kind.INTEGER, 0, false, Integer.MAX_VALUE, null, GenerationSettings::seed),
    // No defaults: the model's own ids. The upper bound that matters, the vocabulary, is the loaded
    // model's and is checked when chatting.
    EOS_TOKEN_ID("eos_token_id", Kind.TOKEN_IDS, 0, false, Integer.MAX_VALUE, null, GenerationSettings::eosTokenId),
    PAD_TOKEN_ID("pad_token_id", Kind.INTEGER, 0, false, Integer.MAX_VALUE, null, GenerationSettings::padTokenId);

    enum Kind { NUMBER, INTEGER, BOOLEAN, TOKEN_IDS }

    private final String wireName;
    private final Kind kind;
    private final double min;
    private final boolean minExclusive;
    private final double max;
    private final Object defaultValue;
    private final Function<GenerationSettings, Object> getter;

    Parameter(String wireName, Kind kind, double min, boolean minExclusive, double max, Object defaultValue,
              Function<GenerationSettings, Object> getter) {
        this.wireName = wireName;
        this.kind = kind;
        this.min = min;
        this.minExclusive = minExclusive;
        this.max = max;
        this.defaultValue = defaultValue;
        this.getter = getter;
    }

    public String wireName() {
        return wireName;
    }

    /** The largest value the parameter takes. */
    public double max() {
        return max;
    }

    Object defaultValue() {
        return defaultValue;
    }

    Object valueIn(GenerationSettings settings) {
        return getter.apply(settings);
    }

    /** The specification's defaults, complete ({@code seed} has none). */
    public static GenerationSettings defaults() {
        return fromValues(defaultsMap());
    }

    static Map<Parameter, Object> defaultsMap() {
        Map<Parameter, Object> values = new LinkedHashMap<>();
        for (Parameter p : values()) {
            values.put(p, p.defaultValue);
        }
        return values;
    }

    /** Range problems of the fields {@code settings} carries; {@code prefix} qualifies field names. */
    public static List<FieldProblem> validate(GenerationSettings settings, String prefix) {
        List<FieldProblem> problems = new ArrayList<>();
        for (Parameter p : values()) {
            Object value = p.valueIn(settings);
            if (value instanceof Number number && !p.inRange(number.doubleValue())) {
                problems.add(new FieldProblem(prefix + p.wireName, "must be " + p.rangeText() + ", got " + value));
            }
            if (value instanceof TokenIds tokens) {
                tokens.ids().stream().filter(id -> !p.inRange(id)).findFirst().ifPresent(id -> problems.add(
                        new FieldProblem(prefix + p.wireName, "ids must be " + p.rangeText() + ", got " + id)));
            }
        }
        return problems;
    }

    private boolean inRange(double value) {
        boolean aboveMin = minExclusive ? value > min : value >= min;
        return Double.isFinite(value) && aboveMin && value <= max;
    }

    private String rangeText() {
        boolean integral = kind == Kind.INTEGER || kind == Kind.TOKEN_IDS;
        String low = integral ? String.valueOf((long) min) : BigDecimal.valueOf(min).stripTrailingZeros().toPlainString();
        String high = integral ? String.valueOf((long) max) : BigDecimal.valueOf(max).stripTrailingZeros().toPlainString();
        return minExclusive ? "greater than " + low + " and at most " + high : "between " + low + " and " + high;
    }

    /** Stored text back into a typed value. */
    Object parse(String text) {
        return switch (kind) {
            case NUMBER -> Double.valueOf(text);
            case INTEGER -> Integer.valueOf(text);
            case BOOLEAN -> Boolean.valueOf(text);
            case TOKEN_IDS -> TokenIds.parse(text);
        };
    }

    static Map<Parameter, Object> toMap(GenerationSettings settings) {
        Map<Parameter, Object> values = new LinkedHashMap<>();
        for (Parameter p : values()) {
            Object value = p.valueIn(settings);
            if (value != null) {
                values.put(p, value);
            }
        }
        return values;
    }

    static GenerationSettings fromValues(Map<Parameter, Object> v) {
        return new GenerationSettings((Double) v.get(TEMPERATURE), (Integer) v.get(TOP_K), (Double) v.get(TOP_P),
                (Integer) v.get(MAX_LENGTH), (Double) v.get(REPETITION_PENALTY), (Boolean) v.get(DO_SAMPLE),
                (Integer) v.get(NUM_BEAMS), (Double) v.get(LENGTH_PENALTY), (Boolean) v.get(EARLY_STOPPING),
                (Integer) v.get(SEED), (TokenIds) v.get(EOS_TOKEN_ID), (Integer) v.get(PAD_TOKEN_ID));
    }
}
