package com.cryptomaltese.gateway.model;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A file that exists only while an engine loads a model, and the record of loads the process did
 * not survive. Native engine code (llama.cpp, libtorch, ONNX Runtime) can abort the JVM on files it
 * does not expect, and nothing runs after that to say so: a marker found at start-up is such a
 * crash. It goes into the record, which holds until the model loads or its files change, so the
 * model shows as failed and is not loaded again by itself at any later start
 * (GATEWAY_DEFAULT_MODEL would otherwise end every start the same way).
 */
final class LoadMarker {

    private static final Logger log = LoggerFactory.getLogger(LoadMarker.class);

    /**
     * A load the process did not survive.
     *
     * @param snapshotModified the modification time (ms) of the model's folder then: once it changes,
     *                         the files that crashed the engine may be gone
     */
    record Left(ModelId id, Instant since, long snapshotModified) {

        String line() {
            return id + "\t" + since + "\t" + snapshotModified;
        }

        static Left parse(String line) {
            String[] parts = line.split("\t");
            return new Left(ModelId.parse(parts[0], "load marker"), Instant.parse(parts[1]), Long.parseLong(parts[2]));
        }
    }

    private final Path file;
    private final Path crashes;
    /**
     * Registered while a load runs: a stop of the JVM (SIGTERM, System.exit) during a long load runs
     * shutdown hooks and removes the marker, so it is not taken for a crash; an abort runs none.
     */
    private final Thread onExit;

    /** @param file the marker; the record of crashes lies beside it */
    LoadMarker(Path file) {
        this.file = file;
        this.crashes = file.resolveSibling("crashed-loads.txt");
        this.onExit = new Thread(this::delete, "load-marker-exit");
    }

    /**
     * Written before the engine starts; atomically, so a crash never leaves half a marker. The hook
     * comes first: a JVM already stopping takes no hook, and then gets no marker and no load.
     *
     * @throws IllegalStateException when the JVM is stopping
     */
    void set(ModelId id, long snapshotModified) {
        Runtime.getRuntime().addShutdownHook(onExit);
        try {
            write(file, List.of(new Left(id, Instant.now(), snapshotModified).line()));
        } catch (IOException e) {
            log.warn("Could not mark the load of {} in {}: {}", id, file, e.toString());
        }
    }

    void clear() {
        delete();
        try {
            Runtime.getRuntime().removeShutdownHook(onExit);
        } catch (IllegalStateException e) {
            // the JVM is stopping: the hook runs or has run
        }
    }

    /** Loads earlier processes did not survive, a marker left by the last one included (it joins the record). */
    synchronized List<Left> crashes() {
        Map<ModelId, Left> known = read();
        if (Files.isRegularFile(file)) {
            Left left = null;
            try {
                left = Left.parse(Files.readAllLines(file, StandardCharsets.UTF_8).get(0));
            } catch (IOException | RuntimeException e) {
                log.warn("Ignoring the unreadable load marker {}: {}", file, e.toString());
            }
            if (left != null) {
                known.put(left.id(), left);
                try {
                    write(crashes, known.values().stream().map(Left::line).toList());
                } catch (IOException e) {
                    // The marker stays, so the next start records the crash again.
                    log.warn("Could not record the crash of {} in {}: {}", left.id(), crashes, e.toString());
                    return List.copyOf(known.values());
                }
            }
            delete();
        }
        return List.copyOf(known.values());
    }

    /** The model loaded, or its files changed: its crash no longer holds. */
    synchronized void forget(ModelId id) {
        Map<ModelId, Left> known = read();
        if (known.remove(id) != null) {
            try {
                write(crashes, known.values().stream().map(Left::line).toList());
            } catch (IOException e) {
                log.warn("Could not update {}: {}", crashes, e.toString());
            }
        }
    }

    private Map<ModelId, Left> read() {
        Map<ModelId, Left> known = new LinkedHashMap<>();
        if (Files.isRegularFile(crashes)) {
            try {
                for (String line : Files.readAllLines(crashes, StandardCharsets.UTF_8)) {
                    try {
                        Left left = Left.parse(line);
                        known.put(left.id(), left);
                    } catch (RuntimeException e) {
                        log.warn("Ignoring an unreadable line of {}: {}", crashes, e.toString());
                    }
                }
            } catch (IOException e) {
                log.warn("Ignoring the unreadable record {}: {}", crashes, e.toString());
            }
        }
        return known;
    }

    private static void write(Path target, List<String> lines) throws IOException {
        Files.createDirectories(target.getParent());
        Path next = target.resolveSibling(target.getFileName() + ".next");
        Files.write(next, new ArrayList<>(lines), StandardCharsets.UTF_8);
        Files.move(next, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    private void delete() {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            log.warn("Could not remove {}: {}", file, e.toString());
        }
    }
}
