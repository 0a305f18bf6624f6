package com.cryptomaltese.gateway.model;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A file that exists only while an engine loads a model. Found at start-up, it means the previous
 * process ended inside a load: native engine code (llama.cpp, libtorch, ONNX Runtime) can abort the
 * JVM on files it does not expect, and nothing runs after that to say so. The model then shows as
 * failed and is not loaded again by itself (GATEWAY_DEFAULT_MODEL would end every start the same way).
 */
final class LoadMarker {

    private static final Logger log = LoggerFactory.getLogger(LoadMarker.class);

    /** The model a process was loading when it ended, and since when. */
    record Left(ModelId id, Instant since) {
    }

    private final Path file;
    /**
     * Registered while a load runs: a stop of the JVM (SIGTERM, System.exit) during a long load runs
     * shutdown hooks and removes the marker, so it is not taken for a crash; an abort runs none.
     */
    private final Thread onExit;

    LoadMarker(Path file) {
        this.file = file;
        this.onExit = new Thread(this::delete, "load-marker-exit");
    }

    /** Written before the engine starts; atomically, so a crash never leaves half a marker. */
    void set(ModelId id) {
        Path next = file.resolveSibling(file.getFileName() + ".next");
        try {
            Files.createDirectories(file.getParent());
            Files.writeString(next, id + "\n" + Instant.now() + "\n", StandardCharsets.UTF_8);
            Files.move(next, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            Runtime.getRuntime().addShutdownHook(onExit);
        } catch (IOException e) {
            log.warn("Could not mark the load of {} in {}: {}", id, file, e.toString());
        } catch (IllegalStateException | IllegalArgumentException e) {
            // the JVM is stopping already, or the hook is still registered from an unfinished load
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

    private void delete() {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            log.warn("Could not remove {}: {}", file, e.toString());
        }
    }

    /** What an earlier process left, read once: the marker is removed. */
    Optional<Left> takeLeftover() {
        if (!Files.isRegularFile(file)) {
            return Optional.empty();
        }
        try {
            List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
            return Optional.of(new Left(ModelId.parse(lines.get(0), "load marker"), Instant.parse(lines.get(1))));
        } catch (IOException | RuntimeException e) {
            log.warn("Ignoring the unreadable load marker {}: {}", file, e.toString());
            return Optional.empty();
        } finally {
            delete();
        }
    }
}
