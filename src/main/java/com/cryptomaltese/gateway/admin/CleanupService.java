package com.cryptomaltese.gateway.admin;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

import com.cryptomaltese.gateway.GatewayProperties;
import com.cryptomaltese.gateway.api.ApiException;
import com.cryptomaltese.gateway.api.FieldProblem;
import com.cryptomaltese.gateway.hub.CacheLeftovers;
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
    private final MaintenanceLock lock;

    CleanupService(GatewayProperties properties, ModelService models, ModelRegistry registry, MaintenanceRuns runs,
                   DownloadManager downloads, MaintenanceLock lock) {
        this.properties = properties;
        this.models = models;
        this.registry = registry;
        this.runs = runs;
        this.downloads = downloads;
        this.lock = lock;
    }

    /**
     * Runs the operations one after another, each deleting what it can: a file that cannot be deleted
     * (held, immutable, a read-only folder) is named in the answer, whose status is then
     * {@code partial}, and does not stop the rest. One maintenance run at a time ({@link MaintenanceLock}).
     */
    public CleanupResult cleanup(CleanupRequest request, String caller) {
        Set<String> operations = operations(request.operations());
        boolean force = Boolean.TRUE.equals(request.force());
        return lock.exclusively(() -> {
            // Checked once this run's turn has come: a generation may have started while it waited.
            if (models.busy() && !force) {
                throw ApiException.conflict("a generation is running; retry later or send \"force\": true");
            }
            return run(operations, caller);
        });
    }

    private CleanupResult run(Set<String> operations, String caller) {
        List<CleanupResult.OperationResult> details = new ArrayList<>();
        List<Deletions> all = new ArrayList<>();
        for (String operation : operations) {
            Deletions deletions = new Deletions(properties.dataDir());
            switch (operation) {
                case "clean_logs" -> LogFiles.archives(properties.logsDir()).forEach(a -> delete(a.path(), deletions));
                case "clean_cache" -> {
                    deleteChildren(properties.cacheDir(), deletions);
                    downloads.cleanLeftovers(file -> delete(file, deletions));
                }
                case "clean_temp" -> deleteChildren(properties.tempDir(), deletions);
                case "clean_models" -> cleanModels(deletions);
                default -> throw new IllegalStateException(operation);
            }
            if (!deletions.complete()) {
                log.warn("Cleanup {} could not remove {} files or folders: {}", operation, deletions.failureCount(),
                        Deletions.describe(List.of(deletions)).get(0));
            }
            all.add(deletions);
            details.add(new CleanupResult.OperationResult(operation, deletions.files, deletions.bytes,
                    deletions.failureCount()));
        }
        long files = details.stream().mapToLong(CleanupResult.OperationResult::filesRemoved).sum();
        long bytes = details.stream().mapToLong(CleanupResult.OperationResult::spaceFreed).sum();
        List<String> completed = List.copyOf(operations);
        List<String> notRemoved = Deletions.describe(all);
        runs.record("cleanup", completed, files, bytes, caller);
        log.info("Cleanup {} removed {} files, {} bytes", completed, files, bytes);
        return new CleanupResult(notRemoved.isEmpty() ? "success" : "partial", completed, bytes, files, details,
                notRemoved);
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
    private void cleanModels(Deletions deletions) {
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
                deleteTree(child, deletions);
                continue;
            }
            try {
                models.whileUnused(id, () -> {
                    downloads.deleteModel(id, file -> delete(file, deletions));
                    return id;
                });
            } catch (ApiException e) {
                log.info("Cleanup kept model {}: {}", id, e.getMessage());
            } catch (UncheckedIOException e) {
                deletions.failed(child, e.getCause());
            }
        }
        // A failed download's record would still list the model (status error) with nothing left on disk.
        downloads.all().keySet().stream()
                .filter(id -> !Files.exists(id.cacheFolderIn(dir), LinkOption.NOFOLLOW_LINKS))
                .forEach(downloads::forget);
    }

    private void deleteChildren(Path dir, Deletions deletions) {
        if (!Files.isDirectory(dir)) {
            return;
        }
        try (Stream<Path> children = Files.list(dir)) {
            children.forEach(child -> deleteTree(child, deletions));
        } catch (IOException e) {
            deletions.failed(dir, e);
        }
    }

    /** Deletes what it can of the tree; what it cannot is named in {@code deletions}, and the walk goes on. */
    private void deleteTree(Path root, Deletions deletions) {
        requireInsideDataDir(root);
        try {
            // The walk never follows a link: a link is deleted, not its target.
            CacheLeftovers.removeTree(root, file -> delete(file, deletions), deletions::failed);
        } catch (IOException e) {
            deletions.failed(root, e);
        }
    }

    private void delete(Path file, Deletions deletions) {
        requireInsideDataDir(file);
        try {
            BasicFileAttributes attrs = Files.readAttributes(file, BasicFileAttributes.class,
                    LinkOption.NOFOLLOW_LINKS);
            if (Files.deleteIfExists(file)) {
                deletions.removed(attrs.isRegularFile() ? attrs.size() : 0);
            }
        } catch (NoSuchFileException gone) {
            // deleted meanwhile: nothing to do, nothing failed
        } catch (IOException e) {
            deletions.failed(file, e);
        }
    }

    private void requireInsideDataDir(Path path) {
        Path data = properties.dataDir().toAbsolutePath().normalize();
        if (!path.toAbsolutePath().normalize().startsWith(data)) {
            throw new IllegalStateException("refusing to delete outside the data directory: " + path);
        }
    }
}
