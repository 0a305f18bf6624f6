package com.cryptomaltese.gateway;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

/**
 * Every {@code gateway.*} setting, grouped by concern. Each value has an environment-variable
 * override (see application.yml and the README's configuration table).
 */
@ConfigurationProperties("gateway")
public record GatewayProperties(
        @DefaultValue("./data") Path dataDir,
        @DefaultValue Security security,
        @DefaultValue Chat chat,
        @DefaultValue Limits limits,
        @DefaultValue Status status,
        @DefaultValue Conversations conversations,
        @DefaultValue Logs logs) {

    /** Keys arrive comma-separated from the environment; blanks are ignored. */
    public record Security(@DefaultValue List<String> apiKeys, @DefaultValue List<String> adminKeys) {
    }

    /**
     * @param maxMessageChars longest accepted chat message; longer ones answer 400
     * @param deadline        time one generation may take before the caller gets 504
     * @param systemPrompt    prepended as a system message when set; none by default
     * @param maxQueued       chats over the API being answered or waiting for the model at once; more answer 503
     */
    public record Chat(@DefaultValue("32768") int maxMessageChars,
                       @DefaultValue("60s") Duration deadline,
                       String systemPrompt,
                       @DefaultValue("32") int maxQueued) {

        public Chat {
            if (maxQueued < 1) {
                throw new IllegalArgumentException("gateway.chat.max-queued must be at least 1, got " + maxQueued);
            }
        }
    }

    /** @param maxBodySize request bodies above this answer 413 before they are read */
    public record Limits(@DefaultValue("256KB") DataSize maxBodySize) {
    }

    /**
     * Thresholds of {@code GET /admin/system-status}: the status is {@code warning} when disk or
     * memory use reaches the warning percentage, {@code critical} at the critical one.
     */
    public record Status(@DefaultValue("80") int warningPercent, @DefaultValue("95") int criticalPercent) {

        public Status {
            if (warningPercent < 0 || warningPercent > criticalPercent || criticalPercent > 100) {
                throw new IllegalArgumentException("gateway.status needs 0 <= warning-percent <= critical-percent "
                        + "<= 100, got " + warningPercent + " and " + criticalPercent);
            }
        }
    }

    /**
     * Defaults of the log purge (the scheduled one, and a request that leaves them out); its cron is
     * read by routes/schedules.yaml. Checked at start-up as a request's values are: -1 would make the
     * scheduled purge delete every archive.
     */
    public record Logs(@DefaultValue("14") int purgeOlderThanDays, @DefaultValue("7") int purgeKeepLatestFiles) {

        public Logs {
            if (purgeOlderThanDays < 0 || purgeKeepLatestFiles < 0) {
                throw new IllegalArgumentException("gateway.logs.purge-older-than-days and purge-keep-latest-files "
                        + "must be 0 or more, got " + purgeOlderThanDays + " and " + purgeKeepLatestFiles);
            }
        }
    }

    /**
     * Conversation memory.
     *
     * @param maxTurns    earlier exchanges (user message + reply) put before a new message
     * @param idleTimeout a conversation idle this long starts afresh
     * @param retention   stored messages older than this are deleted by the daily purge
     */
    public record Conversations(@DefaultValue("10") int maxTurns,
                                @DefaultValue("3h") Duration idleTimeout,
                                @DefaultValue("30d") Duration retention) {
    }

    public Path modelsDir() {
        return dataDir.resolve("models");
    }

    public Path logsDir() {
        return dataDir.resolve("logs");
    }

    public Path tempDir() {
        return dataDir.resolve("tmp");
    }

    public Path cacheDir() {
        return dataDir.resolve("cache");
    }
}
