package com.cryptomaltese.gateway.admin;

import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileSystemException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What one maintenance operation deleted and what it could not. A file that vanished meanwhile is
 * neither; a folder left because something in it could not go is not named again beside that thing.
 */
final class Deletions {

    /** The answer names at most this many; the rest are counted. */
    static final int NAMED_FAILURES = 50;

    private final Path dataDir;
    long files;
    long bytes;
    private final Map<Path, String> failures = new LinkedHashMap<>();

    Deletions(Path dataDir) {
        this.dataDir = dataDir.toAbsolutePath().normalize();
    }

    void removed(long size) {
        files++;
        bytes += size;
    }

    void failed(Path path, Exception reason) {
        Path where = path.toAbsolutePath().normalize();
        boolean leftForWhatItHolds = reason instanceof DirectoryNotEmptyException
                && failures.keySet().stream().anyMatch(failed -> failed.startsWith(where));
        if (!leftForWhatItHolds) {
            failures.put(where, reasonOf(reason));
        }
    }

    /**
     * The type and the system's reason, without the path: a file system exception's message starts with
     * the absolute path, which the answer names relative to the data directory instead.
     */
    private static String reasonOf(Exception reason) {
        String why = reason instanceof FileSystemException fs ? fs.getReason() : reason.getMessage();
        return reason.getClass().getSimpleName() + (why == null ? "" : ": " + why);
    }

    boolean complete() {
        return failures.isEmpty();
    }

    int failureCount() {
        return failures.size();
    }

    /** "{path inside the data directory}: {reason}", the first {@link #NAMED_FAILURES}, then how many more. */
    static List<String> describe(List<Deletions> all) {
        List<String> lines = new ArrayList<>();
        int total = 0;
        for (Deletions deletions : all) {
            for (Map.Entry<Path, String> failure : deletions.failures.entrySet()) {
                if (total++ < NAMED_FAILURES) {
                    Path shown = failure.getKey().startsWith(deletions.dataDir)
                            ? deletions.dataDir.relativize(failure.getKey()) : failure.getKey().getFileName();
                    lines.add(shown + ": " + failure.getValue());
                }
            }
        }
        if (total > NAMED_FAILURES) {
            lines.add("… and " + (total - NAMED_FAILURES) + " more");
        }
        return lines;
    }
}
