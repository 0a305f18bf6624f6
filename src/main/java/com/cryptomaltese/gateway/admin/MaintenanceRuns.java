package com.cryptomaltese.gateway.admin;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/** Completed cleanups and log purges, newest last; system-status reports the newest. */
@Repository
class MaintenanceRuns {

    record Run(String kind, List<String> operations, long filesRemoved, long spaceFreed, String triggeredBy,
               Instant completedAt) {
    }

    private final JdbcClient jdbc;

    MaintenanceRuns(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    void record(String kind, List<String> operations, long filesRemoved, long spaceFreed, String triggeredBy) {
        jdbc.sql("""
                INSERT INTO maintenance_run (kind, operations, files_removed, space_freed, triggered_by, completed_at)
                VALUES (?, ?, ?, ?, ?, ?)""")
                .params(kind, String.join(",", operations), filesRemoved, spaceFreed, triggeredBy,
                        Instant.now().truncatedTo(ChronoUnit.MILLIS).atOffset(ZoneOffset.UTC))
                .update();
    }

    Optional<Run> latest() {
        return jdbc.sql("""
                SELECT kind, operations, files_removed, space_freed, triggered_by, completed_at
                FROM maintenance_run ORDER BY completed_at DESC, id DESC FETCH FIRST 1 ROWS ONLY""")
                .query((rs, row) -> new Run(rs.getString("kind"), Arrays.asList(rs.getString("operations").split(",")),
                        rs.getLong("files_removed"), rs.getLong("space_freed"), rs.getString("triggered_by"),
                        rs.getObject("completed_at", OffsetDateTime.class).toInstant()))
                .list().stream().findFirst();
    }
}
