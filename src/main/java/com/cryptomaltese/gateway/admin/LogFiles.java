package com.cryptomaltese.gateway.admin;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The gateway's log files under {@code GATEWAY_DATA_DIR/logs}, as logback-spring.xml writes them:
 * one stream per level ({@code error}, {@code warn}, {@code info}, {@code debug}) plus the
 * {@code access} and {@code audit} streams. Each stream has an active file {@code <stream>.log},
 * which is never deleted, and rolled archives {@code <stream>.<yyyy-MM-dd>.<n>.log.gz}.
 */
final class LogFiles {

    static final List<String> STREAMS = List.of("error", "warn", "info", "debug", "access", "audit");

    /** Names accepted in {@code log_levels}, with the stream each selects. */
    static final Map<String, String> LEVEL_NAMES = Map.of(
            "error", "error", "critical", "error", "warning", "warn", "warn", "warn",
            "info", "info", "debug", "debug", "trace", "debug", "access", "access", "audit", "audit");

    /** The name {@code log_levels} documents for a stream ({@code warning} for the {@code warn} stream). */
    static String levelName(String stream) {
        return stream.equals("warn") ? "warning" : stream;
    }

    private static final Pattern ARCHIVE = Pattern.compile(
            "(" + String.join("|", STREAMS) + ")\\.(\\d{4}-\\d{2}-\\d{2})\\.(\\d+)\\.log(\\.gz)?");

    /** A rolled file of one stream; date and index order archives from oldest to newest. */
    record Archive(Path path, String stream, String date, long index, long size, long lastModifiedMillis) {
    }

    private LogFiles() {
    }

    /** Rolled archives, newest first within each stream. Active files are never listed. */
    static List<Archive> archives(Path logsDir) {
        if (!Files.isDirectory(logsDir)) {
            return List.of();
        }
        List<Archive> found = new ArrayList<>();
        try (Stream<Path> files = Files.list(logsDir)) {
            for (Path file : (Iterable<Path>) files::iterator) {
                Matcher m = ARCHIVE.matcher(file.getFileName().toString());
                // An index past a long's range is no file logback wrote: left alone, as any other stray.
                if (!m.matches() || m.group(3).length() > 18) {
                    continue;
                }
                BasicFileAttributes attributes;
                try {
                    attributes = Files.readAttributes(file, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
                } catch (NoSuchFileException gone) {
                    continue; // deleted since it was listed (a purge running on the schedule)
                }
                if (attributes.isRegularFile()) {
                    found.add(new Archive(file, m.group(1), m.group(2), Long.parseLong(m.group(3)),
                            attributes.size(), attributes.lastModifiedTime().toMillis()));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + logsDir, e);
        }
        found.sort(Comparator.comparing(Archive::stream)
                .thenComparing(Archive::date, Comparator.reverseOrder())
                .thenComparing(Archive::index, Comparator.reverseOrder()));
        return found;
    }

    static String streamFor(String levelName) {
        return LEVEL_NAMES.get(levelName.toLowerCase(Locale.ROOT));
    }
}
