package com.cryptomaltese.gateway.params;

import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.Objects;

import com.cryptomaltese.gateway.api.ApiException;
import com.cryptomaltese.gateway.api.FieldProblem;
import com.cryptomaltese.gateway.model.ModelId;
import com.cryptomaltese.gateway.params.ParameterResponses.ModelParameters;
import com.cryptomaltese.gateway.params.ParameterResponses.ParameterChange;
import com.cryptomaltese.gateway.params.ParameterResponses.ParameterHistory;
import com.cryptomaltese.gateway.params.ParameterResponses.ParametersReset;
import com.cryptomaltese.gateway.params.ParameterResponses.ParametersUpdated;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Per-model generation parameters: the specification's defaults, overlaid by what an operator
 * stored for the model, overlaid (for one chat) by the request's own parameters.
 */
@Service
public class ParameterService {

    private static final int HISTORY_LIMIT = 500;
    /** Attempts of one update; only a lost insert race is retried, and the retry then finds the row. */
    private static final int UPDATE_ATTEMPTS = 3;

    private final ParameterStore store;
    private final TransactionTemplate transactions;
    private final Clock clock;

    ParameterService(ParameterStore store, TransactionTemplate transactions) {
        this.store = store;
        this.transactions = transactions;
        this.clock = Clock.systemUTC();
    }

    public ModelParameters get(ModelId id) {
        return new ModelParameters(id.toString(), effective(id), store.lastChange(id.toString()).orElse(null));
    }

    /** Defaults ← stored values; complete. */
    public GenerationSettings effective(ModelId id) {
        Map<Parameter, Object> values = Parameter.defaultsMap();
        values.putAll(store.overrides(id.toString()));
        return Parameter.fromValues(values);
    }

    /** Defaults ← stored values ← the request's values, validated; what one chat runs with. */
    public GenerationSettings forChat(ModelId id, GenerationSettings requested) {
        return effective(id).overlay(requested);
    }

    public ParametersUpdated update(ModelId id, GenerationSettings changes, String caller) {
        validate(changes, "");
        if (changes.isEmpty()) {
            throw ApiException.badRequest("body", "names no parameter to change");
        }
        // Two first updates of the same parameter can both find no row and both insert one; the
        // loser's insert fails on the primary key. Its transaction is rolled back (PostgreSQL
        // aborts it anyway) and run again, and then finds the winner's row to update.
        for (int attempt = 1; ; attempt++) {
            try {
                return transactions.execute(status -> apply(id, changes, caller));
            } catch (DuplicateKeyException e) {
                if (attempt == UPDATE_ATTEMPTS) {
                    throw e;
                }
            }
        }
    }

    private ParametersUpdated apply(ModelId id, GenerationSettings changes, String caller) {
        String model = id.toString();
        Map<Parameter, Object> stored = store.overrides(model);
        Instant now = now();
        for (Map.Entry<Parameter, Object> change : Parameter.toMap(changes).entrySet()) {
            Parameter parameter = change.getKey();
            Object before = stored.get(parameter);
            if (!Objects.equals(before, change.getValue())) {
                store.put(model, parameter, change.getValue(), now);
                store.recordChange(model, new ParameterStore.Change(now, caller, parameter, before, change.getValue()));
            }
        }
        return new ParametersUpdated("success", model, changes, effective(id), store.lastChange(model).orElse(null));
    }

    @Transactional
    public ParametersReset reset(ModelId id, String caller) {
        String model = id.toString();
        Instant now = now();
        store.overrides(model).forEach((parameter, before) ->
                store.recordChange(model, new ParameterStore.Change(now, caller, parameter, before, null)));
        store.deleteAll(model);
        return new ParametersReset("success", model, Parameter.defaults(), store.lastChange(model).orElse(null));
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
