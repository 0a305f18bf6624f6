package com.cryptomaltese.gateway.params;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/** JDBC access to {@code model_parameter} and {@code parameter_change}. */
@Repository
class ParameterStore {

    record Change(Instant changedAt, String changedBy, Parameter parameter, Object oldValue, Object newValue) {
    }

    private final JdbcClient jdbc;

    ParameterStore(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    Map<Parameter, Object> overrides(String modelId) {
        Map<Parameter, Object> values = new EnumMap<>(Parameter.class);
        jdbc.sql("SELECT name, param_value FROM model_parameter WHERE model_id = ?").param(modelId)
                .query((rs, row) -> new String[] {rs.getString("name"), rs.getString("param_value")}).list()
                .forEach(row -> known(row[0]).ifPresent(p -> values.put(p, p.parse(row[1]))));
        return values;
    }

    void put(String modelId, Parameter parameter, Object value, Instant at) {
        int updated = jdbc.sql("UPDATE model_parameter SET param_value = ?, updated_at = ? WHERE model_id = ? AND name = ?")
                .params(String.valueOf(value), utc(at), modelId, parameter.wireName()).update();
        if (updated == 0) {
            jdbc.sql("INSERT INTO model_parameter (model_id, name, param_value, updated_at) VALUES (?, ?, ?, ?)")
                    .params(modelId, parameter.wireName(), String.valueOf(value), utc(at)).update();
        }
    }

    void deleteAll(String modelId) {
        jdbc.sql("DELETE FROM model_parameter WHERE model_id = ?").param(modelId).update();
    }

    void recordChange(String modelId, Change change) {
        jdbc.sql("""
                INSERT INTO parameter_change (model_id, name, old_value, new_value, changed_by, changed_at)
                VALUES (?, ?, ?, ?, ?, ?)""")
                .params(modelId, change.parameter().wireName(), text(change.oldValue()), text(change.newValue()),
                        change.changedBy(), utc(change.changedAt()))
                .update();
    }

    /** Newest first. */
    List<Change> changes(String modelId, int limit) {
        return jdbc.sql("""
                SELECT name, old_value, new_value, changed_by, changed_at FROM parameter_change
                WHERE model_id = ? ORDER BY changed_at DESC, id DESC""")
                .param(modelId)
                .query((rs, row) -> {
                    Parameter p = known(rs.getString("name")).orElse(null);
                    return p == null ? null : new Change(rs.getObject("changed_at", OffsetDateTime.class).toInstant(),
                            rs.getString("changed_by"), p, parseNullable(p, rs.getString("old_value")),
                            parseNullable(p, rs.getString("new_value")));
                })
                .list().stream().filter(c -> c != null).limit(limit).toList();
    }

    Optional<Instant> lastChange(String modelId) {
        List<OffsetDateTime> newest = jdbc.sql("SELECT MAX(changed_at) FROM parameter_change WHERE model_id = ?")
                .param(modelId).query((rs, row) -> rs.getObject(1, OffsetDateTime.class)).list();
        return newest.stream().filter(t -> t != null).findFirst().map(OffsetDateTime::toInstant);
    }

    private static Optional<Parameter> known(String name) {
        for (Parameter p : Parameter.values()) {
            if (p.wireName().equals(name)) {
                return Optional.of(p);
            }
        }
        return Optional.empty();
    }

    private static Object parseNullable(Parameter p, String text) {
        return text == null ? null : p.parse(text);
    }

    private static String text(Object value) {
        return value == null ? null : String.valueOf(value);
    }

    private static OffsetDateTime utc(Instant at) {
        return at.atOffset(ZoneOffset.UTC);
    }
}
