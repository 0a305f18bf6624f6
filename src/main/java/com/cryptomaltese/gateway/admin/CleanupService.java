package com.cryptomaltese.gateway.admin;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

import com.cryptomaltese.gateway.GatewayProperties;
import com.cryptomaltese.gateway.api.ApiException;
import com.cryptomaltese.gateway.api.FieldProblem;
import com.cryptomaltese.gateway.hub.DownloadManager;
import com.cryptomaltese.gateway.model.ModelId;
import com.cryptomaltese.gateway.model.ModelRegistry;
import com.cryptomaltese.gateway.model.ModelService;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * Frees disk inside the data directory. Deletion never follows a symbolic link found inside the
 * folders it cleans (a link is removed, not what it points to), and never touches the loaded model
 * or the active log files. A cleaned folder that is itself a link (models on another disk) is
 * cleaned where it points: only the gateway's own user can make such a link. While a generation
 * runs it refuses (409) unless forced.
 */
@Component
public class CleanupService {

    static final List<String> OPERATIONS = List.of("clean_logs", "clean_cache", "clean_models", "clean_temp");
    private static final String FULL = "full_cleanup";

    private static final Logger log = LoggerFactory.getLogger(CleanupService.class);

    private final GatewayProperties properties;
    private final ModelService models;
    private final ModelRegistry registry;
    private final MaintenanceRuns runs;
    private final DownloadManager downloads;

    CleanupService(GatewayProperties properties, ModelService models, ModelRegistry registry, MaintenanceRuns runs,
                   DownloadManager downloads) {
        this.properties = properties;
        this.models = models;
        this.registry = registry;
        this.runs = runs;
        this.downloads = downloads;
    }

    public CleanupResult cleanup(CleanupRequest request, String caller) {
        Set<String> operations = operations(request.operations());
        if (models.busy() && !Boolean.TRUE.equals(request.force())) {
            throw ApiException.conflict("a generation is running; retry later or send \"force\": true");
        }
        List<CleanupResult.OperationResult> details = new ArrayList<>();
        for (String operation : operations) {
            Tally tally = new Tally();
            switch (operation) {
                case "clean_logs" -> LogFiles.archives(properties.logsDir()).forEach(a -> delete(a.path(), tally));
                case "clean_cache" -> {
                    deleteChildren(properties.cacheDir(), tally);
                    downloads.cleanLeftovers(file -> delete(file, tally));
                }
                case "clean_temp" -> deleteChildren(properties.tempDir(), tally);
                case "clean_models" -> cleanModels(tally);
                default -> throw new IllegalStateException(operation);
            }
            details.add(new CleanupResult.OperationResult(operation, tally.files, tally.bytes));
        }
        long files = details.stream().mapToLong(CleanupResult.OperationResult::filesRemoved).sum();
        long bytes = details.stream().mapToLong(CleanupResult.OperationResult::spaceFreed).sum();
        List<String> completed = List.copyOf(operations);
        runs.record("cleanup", completed, files, bytes, caller);
        log.info("Cleanup {} removed {} files, {} bytes", completed, files, bytes);
        return new CleanupResult("success", completed, bytes, files, details);
    }

    private static Set<String> operations(List<String> requested) {
        if (requested == null || requested.isEmpty()) {
            throw ApiException.badRequest("operations", "must name at least one of " + OPERATIONS + " or " + FULL);
        }
        Set<String> operations = new LinkedHashSet<>();
        List<FieldProblem> problems = new ArrayList<>();
        for (int i = 0; i < requested.size(); i++) {
            String name = requested.get(i);
            if (FULL.equals(name)) {
                operations.addAll(OPERATIONS);
            } else if (OPERATIONS.contains(name)) {
                operations.add(name);
            } else {
                problems.add(new FieldProblem("operations[" + i + "]",
                        "must be one of clean_logs, clean_cache, clean_models, clean_temp, full_cleanup; got '" + name + "'"));
            }
        }
        if (!problems.isEmpty()) {
            throw ApiException.badRequest(problems);
        }
        return operations;
    }

    /**
     * Every model folder goes unless it is loaded, being loaded or downloaded: each is deleted as a
     * DELETE of the model would be ({@link ModelService#whileUnused}), so a load that starts meanwhile
     * either keeps its model (the cleanup skips it) or is refused (409), never reads vanishing files.
     * Whatever else is in the models folder (lock files, strays) goes too.
     */
    private void cleanModels(Tally tally) {
        Path dir = registry.modelsDir();
        if (!Files.isDirectory(dir)) {
            return;
        }
        List<Path> children;
        try (Stream<Path> listed = Files.list(dir)) {
            children = listed.toList();
        } catch (IOException e) {
            throw new IllegalStateException("cannot list " + dir, e);
        }
        for (Path child : children) {
            ModelId id = ModelId.fromCacheFolderName(child.getFileName().toString());
            if (id == null || !id.cacheFolderIn(dir).equals(child.toAbsolutePath().normalize())) {
                deleteTree(child, tally);
                continue;
            }
            try {
                models.whileUnused(id, () -> {
                    downloads.deleteModel(id, file -> delete(file, tally));
                    return id;
                });
            } catch (ApiException e) {
                log.info("Cleanup kept model {}: {}", id, e.getMessage());
            } catch (UncheckedIOException e) {
                log.warn("Cleanup could not fully remove model {}: {}", id, e.getMessage());
            }
        }
        // A failed download's record would still list the model (status error) with nothing left on disk.
        downloads.all().keySet().stream()
                .filter(id -> !Files.exists(id.cacheFolderIn(dir), LinkOption.NOFOLLOW_LINKS))
                .forEach(downloads::forget);
    }

    private void deleteChildren(Path dir, Tally tally) {
        if (!Files.isDirectory(dir)) {
            return;
        }
        try (Stream<Path> children = Files.list(dir)) {
            children.forEach(child -> deleteTree(child, tally));
        } catch (IOException e) {
            throw new IllegalStateException("cannot list " + dir, e);
        }
    }

    private void deleteTree(Path root, Tally tally) {
        requireInsideDataDir(root);
        try {
            // walkFileTree without FOLLOW_LINKS reports a link as a file: the link is deleted, not its target.
            Files.walkFileTree(root, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
                    delete(file, tally);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path dir, IOException failure) throws IOException {
                    Files.deleteIfExists(dir);
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            log.warn("Cleanup could not fully remove {}: {}", root.getFileName(), e.getMessage());
        }
    }

    private void delete(Path file, Tally tally) {
        requireInsideDataDir(file);
        try {
            BasicFileAttributes attrs = Files.readAttributes(file, BasicFileAttributes.class,
                    LinkOption.NOFOLLOW_LINKS);
            if (Files.deleteIfExists(file)) {
                tally.files++;
                tally.bytes += attrs.isRegularFile() ? attrs.size() : 0;
            }
        } catch (IOException e) {
            log.warn("Cleanup could not delete {}: {}", file.getFileName(), e.getMessage());
        }
    }

    private void requireInsideDataDir(Path path) {
        Path data = properties.dataDir().toAbsolutePath().normalize();
        if (!path.toAbsolutePath().normalize().startsWith(data)) {
            throw new IllegalStateException("refusing to delete outside the data directory: " + path);
        }
    }

    private static final class Tally {
        long files;
        long bytes;
    }
}
