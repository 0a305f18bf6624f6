package com.cryptomaltese.gateway.admin;

import java.io.IOException;
import java.nio.file.Files;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import com.cryptomaltese.gateway.GatewayProperties;
import com.cryptomaltese.gateway.api.ApiException;
import com.cryptomaltese.gateway.api.AuditLog;
import com.cryptomaltese.gateway.api.FieldProblem;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * Deletes rolled log files: per stream, the newest {@code keep_latest_files} archives are kept,
 * and of the rest those last written more than {@code older_than_days} ago are deleted. Active
 * files are never candidates. Used by {@code POST /admin/purge-logs} and the daily Quartz job.
 */
@Component
public class LogPurger {

    private static final Logger log = LoggerFactory.getLogger(LogPurger.class);

    private final GatewayProperties properties;
    private final MaintenanceRuns runs;
    private final MaintenanceLock lock;
    private final AuditLog audit;
    private final int defaultOlderThanDays;
    private final int defaultKeepLatestFiles;
    private final Clock clock = Clock.systemUTC();

    LogPurger(GatewayProperties properties, MaintenanceRuns runs, MaintenanceLock lock, AuditLog audit) {
        this.properties = properties;
        this.runs = runs;
        this.lock = lock;
        this.audit = audit;
        this.defaultOlderThanDays = properties.logs().purgeOlderThanDays();
        this.defaultKeepLatestFiles = properties.logs().purgeKeepLatestFiles();
    }

    /**
     * Deletes what it can: an archive that cannot be deleted is named in the answer (status
     * {@code partial}) and does not stop the rest. One maintenance run at a time ({@link MaintenanceLock}).
     */
    public PurgeLogsResult purge(PurgeLogsRequest request, String caller) {
        PurgeLogsRequest r = request == null ? PurgeLogsRequest.DEFAULTS : request;
        int olderThanDays = nonNegative(r.olderThanDays(), defaultOlderThanDays, "older_than_days");
        int keep = nonNegative(r.keepLatestFiles(), defaultKeepLatestFiles, "keep_latest_files");
        Set<String> streams = streams(r.logLevels());
        return lock.exclusively(() -> run(olderThanDays, keep, streams, caller));
    }

    private PurgeLogsResult run(int olderThanDays, int keep, Set<String> streams, String caller) {
        long cutoff = clock.millis() - Duration.ofDays(olderThanDays).toMillis();
        Map<String, Integer> seen = new HashMap<>();
        List<String> removed = new ArrayList<>();
        Deletions deletions = new Deletions(properties.dataDir());
        for (LogFiles.Archive archive : LogFiles.archives(properties.logsDir())) {
            int rank = seen.merge(archive.stream(), 1, Integer::sum);
            if (!streams.contains(archive.stream()) || rank <= keep || archive.lastModifiedMillis() > cutoff) {
                continue;
            }
            try {
                if (Files.deleteIfExists(archive.path())) {
                    removed.add(archive.path().getFileName().toString());
                    deletions.removed(archive.size());
                }
            } catch (IOException e) {
                deletions.failed(archive.path(), e);
            }
        }
        List<String> notRemoved = Deletions.describe(List.of(deletions));
        if (!notRemoved.isEmpty()) {
            log.warn("Log purge could not delete {} files: {}", deletions.failureCount(), notRemoved.get(0));
        }
        runs.record("purge-logs", List.of("purge_logs"), removed.size(), deletions.bytes, caller);
        return new PurgeLogsResult(notRemoved.isEmpty() ? "success" : "partial", removed.size(), deletions.bytes,
                removed, olderThanDays, keep, streams.stream().map(LogFiles::levelName).toList(), notRemoved);
    }

    /**
     * The Quartz job of routes/schedules.yaml: the configured defaults, all streams. Audited as the API's
     * purges are: it deletes audit archives too.
     */
    public PurgeLogsResult purgeOnSchedule() {
        PurgeLogsResult result = purge(PurgeLogsRequest.DEFAULTS, "schedule");
        log.info("Scheduled log purge removed {} files, {} bytes", result.filesRemoved(), result.spaceFreed());
        audit.scheduled("purgeLogs", result.status().equals("success") ? "ok" : "partial");
        return result;
    }

    private static int nonNegative(Integer value, int fallback, String field) {
        if (value == null) {
            return fallback;
        }
        if (value < 0) {
            throw ApiException.badRequest(field, "must be 0 or more, got " + value);
        }
        return value;
    }

    private static Set<String> streams(List<String> levels) {
        if (levels == null) {
            return new LinkedHashSet<>(LogFiles.STREAMS);
        }
        if (levels.isEmpty()) {
            throw ApiException.badRequest("log_levels", "must name at least one level, or be left out for all");
        }
        Set<String> streams = new LinkedHashSet<>();
        List<FieldProblem> problems = new ArrayList<>();
        for (int i = 0; i < levels.size(); i++) {
            String stream = LogFiles.streamFor(levels.get(i));
            if (stream == null) {
                problems.add(new FieldProblem("log_levels[" + i + "]",
                        "must be one of debug, info, warning, error, access, audit; got '" + levels.get(i) + "'"));
            } else {
                streams.add(stream);
            }
        }
        if (!problems.isEmpty()) {
            throw ApiException.badRequest(problems);
        }
        return streams;
    }
}
