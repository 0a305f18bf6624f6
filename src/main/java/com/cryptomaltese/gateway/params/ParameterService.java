package com.cryptomaltese.gateway.params;

import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

import com.cryptomaltese.gateway.api.ApiException;
import com.cryptomaltese.gateway.api.FieldProblem;
import com.cryptomaltese.gateway.engine.sampling.Decoding;
import com.cryptomaltese.gateway.model.ModelId;
import com.cryptomaltese.gateway.params.ParameterResponses.ModelParameters;
import com.cryptomaltese.gateway.params.ParameterResponses.ParameterChange;
import com.cryptomaltese.gateway.params.ParameterResponses.ParameterHistory;
import com.cryptomaltese.gateway.params.ParameterResponses.ParametersReset;
import com.cryptomaltese.gateway.params.ParameterResponses.ParametersUpdated;
import org.springframework.stereotype.Service;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Per-model generation parameters: the gateway's defaults, overlaid by the model's own
 * generation_config.json, overlaid by what an operator stored for the model, overlaid (for one chat)
 * by the request's own parameters.
 */
@Service
public class ParameterService {

    private static final int HISTORY_LIMIT = 500;

    /** Where an effective value comes from, as {@code sources} names it on the wire. */
    static final String DEFAULT = "default";
    static final String GENERATION_CONFIG = "generation_config";
    static final String STORED = "stored";

    /** Effective values, complete, and the layer each came from (wire names). */
    private record Effective(GenerationSettings values, Map<Parameter, String> sources) {
    }

    private final ParameterStore store;
    private final GenerationConfigDefaults modelDefaults;
    private final TransactionTemplate transactions;
    /**
     * Held around each update or reset, read and commit included: two at once both read the same
     * "before" and the history recorded changes from a value nobody saw (12 concurrent PUTs gave five
     * changes "from 25"), and two first updates of one parameter both inserted its row. One gateway
     * process owns its database, so a lock in memory suffices.
     */
    private final Object writes = new Object();
    private final Clock clock;

    ParameterService(ParameterStore store, GenerationConfigDefaults modelDefaults, TransactionTemplate transactions) {
        this.store = store;
        this.modelDefaults = modelDefaults;
        this.transactions = transactions;
        this.clock = Clock.systemUTC();
    }

    public ModelParameters get(ModelId id) {
        Effective effective = resolve(id);
        Map<String, String> sources = new LinkedHashMap<>();
        effective.sources().forEach((parameter, source) -> sources.put(parameter.wireName(), source));
        return new ModelParameters(id.toString(), effective.values(), sources,
                store.lastChange(id.toString()).orElse(null));
    }

    /** Defaults ← generation_config.json ← stored values; complete. */
    public GenerationSettings effective(ModelId id) {
        return resolve(id).values();
    }

    private Effective resolve(ModelId id) {
        Map<Parameter, Object> values = Parameter.defaultsMap();
        Map<Parameter, String> sources = new EnumMap<>(Parameter.class);
        values.forEach((parameter, value) -> {
            if (value != null) {
                sources.put(parameter, DEFAULT);
            }
        });
        layer(values, sources, Parameter.toMap(modelDefaults.of(id)), GENERATION_CONFIG);
        layer(values, sources, store.overrides(id.toString()), STORED);
        return new Effective(Parameter.fromValues(values), sources);
    }

    private static void layer(Map<Parameter, Object> values, Map<Parameter, String> sources,
                              Map<Parameter, Object> layer, String source) {
        layer.forEach((parameter, value) -> {
            values.put(parameter, value);
            sources.put(parameter, source);
        });
    }

    /**
     * Defaults ← generation_config.json ← stored values ← the request's values: what one chat runs
     * with. Token ids set by the request or stored for the model must lie below the loaded model's
     * {@code vocabularySize}; the model's own ids are left as they are.
     */
    public GenerationSettings forChat(ModelId id, GenerationSettings requested, int vocabularySize) {
        Effective effective = resolve(id);
        GenerationSettings used = effective.values().overlay(requested);
        List<FieldProblem> problems = new ArrayList<>();
        for (Parameter parameter : List.of(Parameter.EOS_TOKEN_ID, Parameter.PAD_TOKEN_ID)) {
            boolean requestedHere = parameter.valueIn(requested) != null;
            if (!requestedHere && !STORED.equals(effective.sources().get(parameter))) {
                continue;
            }
            Object value = parameter.valueIn(used);
            List<Integer> ids = value instanceof TokenIds tokens ? tokens.ids() : List.of((Integer) value);
            ids.stream().filter(tokenId -> tokenId >= vocabularySize).findFirst().ifPresent(tokenId -> problems.add(
                    new FieldProblem("parameters." + parameter.wireName(), "must be below the vocabulary size "
                            + vocabularySize + " of model " + id + ", got " + tokenId
                            + (requestedHere ? "" : " (stored for the model)"))));
        }
        if (!problems.isEmpty()) {
            throw ApiException.badRequest(problems);
        }
        return used;
    }

    public ParametersUpdated update(ModelId id, GenerationSettings changes, String caller) {
        validate(changes, "");
        if (changes.isEmpty()) {
            throw ApiException.badRequest("body", "names no parameter to change");
        }
        synchronized (writes) {
            decodingOf(effective(id).overlay(changes), "");
            return transactions.execute(status -> apply(id, changes, caller));
        }
    }

    /**
     * How merged parameters decode. Values valid one by one can still clash: beam search cannot sample.
     * Refused when a chat asks for it and when an update would store it (every chat would fail).
     *
     * @param prefix qualifies the field named in the error ("parameters." in a chat request)
     */
    public static Decoding decodingOf(GenerationSettings merged, String prefix) {
        try {
            return Decoding.of(merged.toGenerationParams());
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest(prefix + "num_beams", e.getMessage() + "; set num_beams to 1 or do_sample "
                    + "to false in the same request");
        }
    }

    private ParametersUpdated apply(ModelId id, GenerationSettings changes, String caller) {
        String model = id.toString();
        Map<Parameter, Object> stored = store.overrides(model);
        Instant now = now();
        // What was written: a value equal to the one stored already changes nothing and is not named.
        Map<Parameter, Object> written = new LinkedHashMap<>();
        for (Map.Entry<Parameter, Object> change : Parameter.toMap(changes).entrySet()) {
            Parameter parameter = change.getKey();
            Object before = stored.get(parameter);
            if (!Objects.equals(before, change.getValue())) {
                store.put(model, parameter, change.getValue(), now);
                store.recordChange(model, new ParameterStore.Change(now, caller, parameter, before, change.getValue()));
                written.put(parameter, change.getValue());
            }
        }
        return new ParametersUpdated("success", model, Parameter.fromValues(written), effective(id),
                store.lastChange(model).orElse(null));
    }

    public ParametersReset reset(ModelId id, String caller) {
        synchronized (writes) {
            return transactions.execute(status -> {
                String model = id.toString();
                Instant now = now();
                store.overrides(model).forEach((parameter, before) ->
                        store.recordChange(model, new ParameterStore.Change(now, caller, parameter, before, null)));
                store.deleteAll(model);
                return new ParametersReset("success", model, effective(id), store.lastChange(model).orElse(null));
            });
        }
    }

    public ParameterHistory history(ModelId id) {
        List<ParameterChange> changes = store.changes(id.toString(), HISTORY_LIMIT).stream()
                .map(c -> new ParameterChange(c.changedAt(), c.changedBy(), c.parameter().wireName(), c.oldValue(),
                        c.newValue()))
                .toList();
        return new ParameterHistory(id.toString(), changes);
    }

    /** Throws a 400 naming every out-of-range field; {@code prefix} qualifies nested fields. */
    public static void validate(GenerationSettings settings, String prefix) {
        List<FieldProblem> problems = Parameter.validate(settings, prefix);
        if (!problems.isEmpty()) {
            throw ApiException.badRequest(problems);
        }
    }

    private Instant now() {
        // Stored timestamps have millisecond precision on every database: keep the API consistent.
        return clock.instant().truncatedTo(ChronoUnit.MILLIS);
    }
}
