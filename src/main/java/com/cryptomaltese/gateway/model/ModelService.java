package com.cryptomaltese.gateway.model;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Function;
import java.util.function.Supplier;

import com.cryptomaltese.gateway.api.ApiException;
import com.cryptomaltese.gateway.engine.InferenceEngine;
import com.cryptomaltese.gateway.engine.LanguageModel;
import jakarta.annotation.PreDestroy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Service;

/**
 * Keeps exactly one model in memory. Generations share the model under a read lock; load and
 * unload take the write lock, so a model is never closed under a running generation, and a chat
 * that arrives while a model is loading is told to retry rather than queued behind the load.
 */
@Service
public class ModelService {

    private static final Logger log = LoggerFactory.getLogger(ModelService.class);
    private static final Duration RETRY_WHILE_LOADING = Duration.ofSeconds(5);
    /** Beside the models folder: exists only while an engine loads a model ({@link LoadMarker}). */
    static final String LOAD_MARKER = "loading-model.txt";

    /** The model in memory. */
    public record Loaded(ModelId id, LanguageModel model, String engine, Instant loadedAt) {
    }

    /**
     * The last model taken out of memory (by an unload, or by loading another), with the process's
     * resident memory right before and right after, so an operator sees what the unload gave back.
     *
     * @param modelMemoryBytes what the model reported holding while loaded
     * @param residentBytesBefore VmRSS before the model was closed; -1 off Linux
     * @param residentBytesAfter  VmRSS after; -1 off Linux
     */
    public record Unloaded(ModelId id, Instant unloadedAt, long modelMemoryBytes, long residentBytesBefore,
                           long residentBytesAfter) {
    }

    private final ModelRegistry registry;
    private final List<InferenceEngine> engines;
    private final ReentrantReadWriteLock memory = new ReentrantReadWriteLock(true);
    private final ReentrantLock lifecycle = new ReentrantLock();
    private final AtomicInteger generating = new AtomicInteger();
    private final Map<ModelId, LoadError> loadErrors = new ConcurrentHashMap<>();

    /**
     * Why a model's last load failed, for its folder as it was then: once the folder changes (a file
     * added, the model deleted or downloaded again) the reason may no longer hold and is forgotten.
     */
    private record LoadError(String reason, Path snapshot, FileTime modified) {

        static LoadError of(String reason, Path snapshot) {
            return new LoadError(reason, snapshot, modifiedTime(snapshot));
        }

        boolean stillHolds() {
            return modified != null && modified.equals(modifiedTime(snapshot));
        }

        private static FileTime modifiedTime(Path folder) {
            try {
                return Files.getLastModifiedTime(folder);
            } catch (IOException e) {
                return null;
            }
        }
    }
    /** Per model, a load or a deletion under way ("loaded" / "deleted"): the two exclude each other. */
    private final Map<ModelId, String> claims = new ConcurrentHashMap<>();
    private volatile Loaded current;
    private volatile ModelId loading;
    /**
     * The model an unload waits to close. New chats are told to retry rather than let in: a read
     * lock's tryLock barges past a waiting writer even on a fair lock, so chats arriving one after
     * another would otherwise hold an unload off for as long as they keep coming.
     */
    private volatile ModelId unloading;
    /**
     * Completes once GATEWAY_DEFAULT_MODEL's load has ended (loaded or not), or at readiness when
     * there is none to load: the channels start polling then, so messages that waited through a
     * restart are answered by the model instead of being told it is loading.
     */
    private final CompletableFuture<Void> startupLoadEnded = new CompletableFuture<>();

    /** GATEWAY_DEFAULT_MODEL from before readiness until its load ends: chats are told it is loading. */
    private volatile ModelId startingWith;
    /** What holds the lifecycle lock ("model x is being loaded"), for the 409 of a load that has to wait. */
    private volatile String lifecycleWork;
    private volatile Unloaded lastUnload;
    private final String defaultModel;
    private final LoadMarker loadMarker;

    ModelService(ModelRegistry registry, List<InferenceEngine> engines,
                 @Value("${gateway.default-model:}") String defaultModel) {
        this.registry = registry;
        this.engines = List.copyOf(engines);
        this.defaultModel = defaultModel == null ? "" : defaultModel.trim();
        this.loadMarker = new LoadMarker(registry.modelsDir().resolveSibling(LOAD_MARKER));
        for (LoadMarker.Left left : loadMarker.crashes()) {
            Optional<LocalModel> local = registry.find(left.id())
                    .filter(model -> snapshotModified(model.snapshot()) == left.snapshotModified());
            if (local.isEmpty()) {
                loadMarker.forget(left.id()); // deleted, or its files changed since
                continue;
            }
            String reason = "the gateway stopped while loading it (" + left.since() + "), most likely because the "
                    + "engine crashed on its files; it is not loaded by itself until they change, but it can be "
                    + "loaded by hand to try again";
            log.warn("Model {}: {}", left.id(), reason);
            loadErrors.put(left.id(), LoadError.of(reason, local.get().snapshot()));
        }
    }

    private static long snapshotModified(Path snapshot) {
        FileTime modified = LoadError.modifiedTime(snapshot);
        return modified == null ? -1 : modified.toMillis();
    }

    /**
     * {@code GATEWAY_DEFAULT_MODEL}: loaded once the gateway is up, on a thread of its own (chat
     * answers 503 "loading" meanwhile), if it is on disk; otherwise a warning and nothing else.
     */
    @EventListener(ApplicationReadyEvent.class)
    void loadDefaultModel() {
        if (defaultModel.isEmpty()) {
            startupLoadEnded.complete(null);
            return;
        }
        ModelId id;
        try {
            id = ModelId.parse(defaultModel, "GATEWAY_DEFAULT_MODEL");
        } catch (ApiException e) {
            log.warn("GATEWAY_DEFAULT_MODEL is not a model id: {}", e.getMessage());
            startupLoadEnded.complete(null);
            return;
        }
        if (registry.find(id).isEmpty()) {
            log.warn("GATEWAY_DEFAULT_MODEL {} is not on disk; starting without a model", id);
            startupLoadEnded.complete(null);
            return;
        }
        Optional<String> failed = errorOf(id);
        if (failed.isPresent()) {
            log.warn("Not loading GATEWAY_DEFAULT_MODEL {}: {}", id, failed.get());
            startupLoadEnded.complete(null);
            return;
        }
        // Set before readiness (this listener runs before the gateway accepts traffic) and before the
        // load's own checks: the first chats hear "loading", not "no model is loaded".
        startingWith = id;
        Thread loader = new Thread(() -> {
            try {
                load(id);
            } catch (RuntimeException e) {
                log.warn("Could not load GATEWAY_DEFAULT_MODEL {}: {}", id, e.getMessage());
            } finally {
                startingWith = null;
                startupLoadEnded.complete(null);
            }
        }, "default-model-loader");
        loader.setDaemon(true);
        loader.start();
    }

    public Loaded load(ModelId id) {
        if (!lifecycle.tryLock()) {
            String work = lifecycleWork;
            throw ApiException.conflict((work != null ? work : "another model is being loaded or unloaded")
                    + "; try again when it is done");
        }
        if (claims.putIfAbsent(id, "loaded") != null) {
            lifecycle.unlock();
            throw ApiException.conflict("model " + id + " is being deleted; it cannot be loaded");
        }
        lifecycleWork = "model " + id + " is being loaded";
        try {
            Loaded before = current;
            if (before != null && before.id().equals(id)) {
                return before;
            }
            LocalModel local = registry.find(id)
                    .orElseThrow(() -> ApiException.notFound("model " + id + " is not on disk"));
            InferenceEngine engine = engineFor(local).orElseThrow(() -> {
                String reason = noEngineReason(local);
                loadErrors.put(id, LoadError.of(reason, local.snapshot()));
                return ApiException.conflict("model " + id + " cannot be loaded: " + reason);
            });
            try {
                // Before the model in memory is given up: a folder that cannot load leaves it serving.
                engine.check(local.snapshot());
            } catch (IOException | RuntimeException e) {
                throw refused(id, local, e);
            }
            loading = id;
            memory.writeLock().lock();
            try {
                closeCurrent();
                return open(id, local, engine);
            } catch (Exception | OutOfMemoryError e) {
                // Out of memory (a model too big for the direct-memory limit) is the model's problem, not the gateway's.
                ApiException refusal = refused(id, local, e);
                if (before == null) {
                    throw refusal;
                }
                throw ApiException.conflict(refusal.getMessage() + "; " + loadAgain(before.id()));
            } finally {
                // Unlocked first: a chat in between is told the model is loading, not that one is unloading.
                memory.writeLock().unlock();
                loading = null;
            }
        } finally {
            claims.remove(id, "loaded");
            lifecycleWork = null;
            lifecycle.unlock();
        }
    }

    /** Loads a model whose files passed the engine's check; called with the memory write lock held. */
    private Loaded open(ModelId id, LocalModel local, InferenceEngine engine) throws IOException {
        Instant start = Instant.now();
        loadMarker.set(id, snapshotModified(local.snapshot()));
        LanguageModel model;
        try {
            model = engine.load(local.snapshot());
        } finally {
            loadMarker.clear();
        }
        current = new Loaded(id, model, engine.name(), Instant.now());
        loadErrors.remove(id);
        loadMarker.forget(id);
        log.info("Loaded model {} on {} in {} ms", id, engine.name(),
                Duration.between(start, current.loadedAt()).toMillis());
        return current;
    }

    /**
     * After a model failed in the engine's full load (what only loading finds: a tensor llama.cpp
     * misses, memory), the model it replaced is loaded again, so a failed switch does not leave the
     * gateway without a model; chats meanwhile hear that it is loading. What happened, for the 409.
     */
    private String loadAgain(ModelId previous) {
        if (claims.putIfAbsent(previous, "loaded") != null) {
            return "model " + previous + ", unloaded for it, is being deleted and was not loaded again";
        }
        loading = previous;
        lifecycleWork = "model " + previous + " is being loaded again";
        try {
            Optional<LocalModel> local = registry.find(previous);
            if (local.isEmpty()) {
                return "model " + previous + ", unloaded for it, is no longer on disk";
            }
            try {
                InferenceEngine engine = engineFor(local.get()).orElseThrow(() -> new IOException(noEngineReason(local.get())));
                open(previous, local.get(), engine);
                return "model " + previous + ", unloaded for it, was loaded again";
            } catch (Exception | OutOfMemoryError e) {
                return refused(previous, local.get(), e).getMessage().replace(" cannot be loaded: ",
                        ", unloaded for it, could not be loaded again: ");
            }
        } finally {
            claims.remove(previous, "loaded");
        }
    }

    /** A load that failed on the model's files: remembered for the model's status, and a 409 saying why. */
    private ApiException refused(ModelId id, LocalModel local, Throwable e) {
        String reason = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        log.warn("Loading model {} failed: {}", id, reason);
        // Callers with a user key are told what is wrong, not where the gateway keeps its files.
        String told = reason.replace(local.snapshot().toAbsolutePath().toString(), "the model's folder");
        loadErrors.put(id, LoadError.of(told, local.snapshot()));
        return ApiException.conflict("model " + id + " cannot be loaded: " + told);
    }

    /**
     * Runs {@code deletion} of the model's files unless the model is loaded or being loaded (409
     * with the reason); a load of the model asked for meanwhile is refused, so no engine ever reads
     * files that are going away. Loads of other models are not held up.
     */
    public <T> T whileUnused(ModelId id, Supplier<T> deletion) {
        String claim = claims.putIfAbsent(id, "deleted");
        if (claim != null) {
            throw ApiException.conflict(claim.equals("deleted") ? "model " + id + " is being deleted already"
                    : "model " + id + " is being loaded; it cannot be deleted now (unload it once the load is done)");
        }
        try {
            Loaded now = current;
            if (now != null && now.id().equals(id)) {
                throw ApiException.conflict("model " + id + " is loaded; unload it before deleting it");
            }
            return deletion.get();
        } finally {
            claims.remove(id, "deleted");
        }
    }

    /**
     * The engine that runs a model: the first in order (each engine's {@code @Order}) that supports
     * its folder. Engines claim disjoint formats, so the order only breaks ties deterministically.
     */
    public Optional<InferenceEngine> engineFor(LocalModel local) {
        return engines.stream().filter(e -> e.supports(local.snapshot())).findFirst();
    }

    /** Why no engine takes a folder: the folder's fault, so it stays so until its files change. */
    private static String noEngineReason(LocalModel local) {
        ModelFormat format = local.format();
        if (format == ModelFormat.UNKNOWN) {
            return "its folder holds no weights in a format the gateway runs (safetensors, gguf, onnx, pytorch, "
                    + "torchscript)";
        }
        if (format != ModelFormat.GGUF && !Files.isRegularFile(local.snapshot().resolve("config.json"))) {
            return "its folder has no config.json, which describes the architecture its " + format.wireName()
                    + " weights need";
        }
        return "no engine runs its " + format.wireName() + " files";
    }

    public ModelId unload(ModelId id) {
        if (!lifecycle.tryLock()) {
            String work = lifecycleWork;
            throw ApiException.conflict((work != null ? work : "another model is being loaded or unloaded")
                    + "; try again when it is done");
        }
        Loaded now = current;
        boolean loaded = now != null && now.id().equals(id);
        if (loaded) {
            unloading = id;
            lifecycleWork = "model " + id + " is being unloaded";
        }
        try {
            if (!loaded) {
                throw ApiException.conflict("model " + id + " is not loaded"
                        + (now == null ? " (no model is loaded)" : " (loaded: " + now.id() + ")"));
            }
            memory.writeLock().lock();
            try {
                closeCurrent();
            } finally {
                memory.writeLock().unlock();
            }
            log.info("Unloaded model {}", id);
            return id;
        } finally {
            unloading = null;
            lifecycleWork = null; // a 409 in the moment before the next holder says what it does is generic
            lifecycle.unlock();
        }
    }

    /**
     * Runs {@code work} with the loaded model, which stays in memory until {@code work} returns.
     * Answers 503 when no model is loaded, or one is loading (with {@code Retry-After}).
     */
    public <T> T withModel(Function<Loaded, T> work) {
        refuseWhileChanging();
        if (!memory.readLock().tryLock()) {
            // Without a load under way, the write lock is an unload's (or the shutdown's).
            throw ApiException.unavailable("the model is being unloaded; retry shortly", RETRY_WHILE_LOADING);
        }
        try {
            // A load or unload that began between the check and the lock now waits for this chat (the
            // lock let it in ahead of them): told to retry instead, it does not hold them up.
            refuseWhileChanging();
            Loaded model = current;
            if (model == null) {
                throw ApiException.unavailable(
                        "no model is loaded: load one with POST /api/v1/models/{model_id}/load", null);
            }
            generating.incrementAndGet();
            try {
                return work.apply(model);
            } finally {
                generating.decrementAndGet();
            }
        } finally {
            memory.readLock().unlock();
        }
    }

    /** 503 with Retry-After while a model is loading or being unloaded. */
    private void refuseWhileChanging() {
        ModelId pending = loading != null ? loading : current == null ? startingWith : null;
        if (pending != null) {
            throw ApiException.unavailable("model " + pending + " is loading; retry shortly", RETRY_WHILE_LOADING);
        }
        ModelId leaving = unloading;
        if (leaving != null) {
            throw ApiException.unavailable("model " + leaving + " is being unloaded; retry shortly", RETRY_WHILE_LOADING);
        }
    }

    /** Completes when the start-up's model load has ended; see {@link #loadDefaultModel()}. */
    public CompletionStage<Void> startupLoadEnded() {
        return startupLoadEnded;
    }

    public Optional<Loaded> current() {
        return Optional.ofNullable(current);
    }

    public Optional<Unloaded> lastUnload() {
        return Optional.ofNullable(lastUnload);
    }

    /** Whether any generation is running now. */
    public boolean busy() {
        return generating.get() > 0;
    }

    public String statusOf(ModelId id) {
        Loaded now = current;
        if (now != null && now.id().equals(id)) {
            return "loaded";
        }
        if (id.equals(loading)) {
            return "loading";
        }
        return errorOf(id).isPresent() ? "error" : "available";
    }

    public Optional<String> errorOf(ModelId id) {
        LoadError error = loadErrors.get(id);
        if (error != null && !error.stillHolds()) {
            loadErrors.remove(id, error);
            return Optional.empty();
        }
        return Optional.ofNullable(error).map(LoadError::reason);
    }

    private void closeCurrent() {
        Loaded old = current;
        current = null;
        if (old != null) {
            long modelBytes = old.model().memoryBytes();
            long before = ProcessMemory.residentBytes();
            old.model().close();
            ProcessMemory.releaseFreedMemory();
            lastUnload = new Unloaded(old.id(), Instant.now(), modelBytes, before, ProcessMemory.residentBytes());
            log.info("Closed model {}: resident memory {} -> {} bytes", old.id(), before, lastUnload.residentBytesAfter());
        }
    }

    @PreDestroy
    void shutdown() {
        memory.writeLock().lock();
        try {
            closeCurrent();
        } finally {
            memory.writeLock().unlock();
        }
    }
}
