package com.cryptomaltese.gateway.api;

import java.lang.management.ManagementFactory;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import com.cryptomaltese.gateway.api.ModelViews.DownloadRequest;
import com.cryptomaltese.gateway.api.ModelViews.DownloadStarted;
import com.cryptomaltese.gateway.api.ModelViews.Health;
import com.cryptomaltese.gateway.api.ModelViews.ModelDeleted;
import com.cryptomaltese.gateway.api.ModelViews.ModelList;
import com.cryptomaltese.gateway.api.ModelViews.ModelLoaded;
import com.cryptomaltese.gateway.api.ModelViews.ModelSummary;
import com.cryptomaltese.gateway.api.ModelViews.ModelUnloaded;
import com.cryptomaltese.gateway.engine.InferenceEngine;
import com.cryptomaltese.gateway.hub.DownloadManager;
import com.cryptomaltese.gateway.hub.DownloadProgress;
import com.cryptomaltese.gateway.hub.ModelMetadata;
import com.cryptomaltese.gateway.model.LocalModel;
import com.cryptomaltese.gateway.model.ModelId;
import com.cryptomaltese.gateway.model.ModelRegistry;
import com.cryptomaltese.gateway.model.ModelService;
import com.cryptomaltese.gateway.params.ParameterService;
import org.springframework.boot.info.BuildProperties;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.stereotype.Component;

/** The model operations of the API: the registry and the model service, shaped for the wire. */
@Component
class ModelOperations {

    private final ModelRegistry registry;
    private final ModelService models;
    private final ParameterService parameters;
    private final DownloadManager downloads;
    private final String version;

    ModelOperations(ModelRegistry registry, ModelService models, ParameterService parameters,
                    DownloadManager downloads, ObjectProvider<BuildProperties> build) {
        this.registry = registry;
        this.models = models;
        this.parameters = parameters;
        this.downloads = downloads;
        BuildProperties info = build.getIfAvailable();
        this.version = info != null ? info.getVersion() : "dev";
    }

    public Health health() {
        String loaded = models.current().map(m -> m.id().toString()).orElse(null);
        return new Health("healthy", Instant.now(), version, loaded != null, loaded,
                ManagementFactory.getRuntimeMXBean().getUptime() / 1000);
    }

    public ModelList list() {
        String loaded = models.current().map(m -> m.id().toString()).orElse(null);
        ModelRegistry.Folders disk = registry.folders();
        List<ModelSummary> all = new ArrayList<>(disk.models().stream().map(this::summary).toList());
        Set<String> listed = new HashSet<>(all.stream().map(ModelSummary::id).toList());
        // Downloads of models not on disk yet (running, or failed: status error with the reason).
        for (Map.Entry<ModelId, DownloadProgress> d : downloads.all().entrySet()) {
            if (!d.getValue().status().equals("completed") && listed.add(d.getKey().toString())) {
                all.add(pending(d.getKey(), d.getValue()));
            }
        }
        // Folders whose snapshot cannot be used, each once: a running or failed download listed above tells its state.
        for (ModelRegistry.BrokenFolder folder : disk.broken()) {
            if (listed.add(folder.id().toString())) {
                all.add(broken(folder));
            }
        }
        all.sort(Comparator.comparing(ModelSummary::id));
        return new ModelList(all, loaded);
    }

    /** One model: on disk, downloading, with a failed download, or a broken folder. */
    public ModelSummary get(ModelId id) {
        Optional<LocalModel> local = registry.find(id);
        if (local.isPresent()) {
            return summary(local.get());
        }
        return downloads.progress(id).filter(p -> !p.status().equals("completed")).map(p -> pending(id, p))
                .or(() -> registry.broken(id).map(this::broken))
                .orElseThrow(() -> ApiException.notFound("model " + id + " is not on disk and not being downloaded"));
    }

    /** Starts (or joins) a Hub download; the files come in the background. */
    public DownloadStarted download(DownloadRequest request) {
        String name = request.modelName();
        String quant = null;
        if (name != null && name.indexOf(':') > 0) {
            quant = name.substring(name.indexOf(':') + 1);
            name = name.substring(0, name.indexOf(':'));
            if (!quant.matches("[A-Za-z0-9_]{1,32}")) {
                throw ApiException.badRequest("model_name", "has a quantisation suffix that is not like :Q4_K_M");
            }
        }
        ModelId id = ModelId.parse(name, "model_name");
        String format = request.modelFormat();
        if (format != null && !List.of("safetensors", "gguf", "pytorch", "onnx").contains(format)) {
            throw ApiException.badRequest("model_format", "must be one of safetensors, gguf, pytorch, onnx; got '"
                    + format.replaceAll("\\p{Cntrl}", "?") + "'");
        }
        if (quant != null && format != null && !format.equals("gguf")) {
            throw ApiException.badRequest("model_name", "names a quantisation (:" + quant + "), which only gguf has");
        }
        if (quant != null) {
            format = "gguf";
        }
        DownloadManager.Started started = downloads.start(id, request.revision(), format, quant, request.authToken());
        DownloadProgress p = started.progress();
        String message = started.joined() ? "joined the running download of " + id
                : p.revision() == null ? "downloading " + id + ": the Hub's file list has not come yet (the Hub is slow "
                        + "or asked to wait); it is fetched in the background, follow GET /api/v1/models/{model_id}"
                : "downloading " + id + " (" + p.format() + ", " + p.filesTotal() + " files, " + p.bytesTotal() + " bytes)";
        return new DownloadStarted("downloading", message, id.toString(), p.downloadProgress(), p.estimatedTime(),
                p.format(), p.revision(), p.requestedRevision(), p.bytesDownloaded(), p.bytesTotal(), started.joined());
    }

    /** Cancels a download, or deletes a model from disk that is not loaded. */
    public ModelDeleted delete(ModelId id) {
        if (downloads.downloading(id) && downloads.cancel(id)) {
            return new ModelDeleted("success", "download of " + id + " cancelled; its files were removed", id.toString());
        }
        // Not downloading, or the download completed before the cancel reached it: the model is deleted.
        return models.whileUnused(id, () -> {
            boolean failed = downloads.failure(id).isPresent();
            if (registry.find(id).isEmpty() && !failed && registry.broken(id).isEmpty()) {
                throw ApiException.notFound("model " + id + " is not on disk and not being downloaded");
            }
            downloads.cancel(id);
            downloads.deleteModel(id);
            return new ModelDeleted("success", "model " + id + " deleted from disk", id.toString());
        });
    }

    public ModelLoaded load(ModelId id) {
        if (downloads.downloading(id)) {
            double done = downloads.progress(id).map(DownloadProgress::downloadProgress).orElse(0.0);
            throw ApiException.conflict("model " + id + " is still downloading (" + done + "%); load it when the "
                    + "download has finished");
        }
        if (registry.find(id).isEmpty()) {
            downloads.failure(id).ifPresent(reason -> {
                throw ApiException.conflict("model " + id + " cannot be loaded: its download failed: " + reason);
            });
            registry.broken(id).ifPresent(folder -> {
                throw ApiException.conflict("model " + id + " cannot be loaded: " + folder.reason());
            });
        }
        boolean wasLoaded = models.current().map(m -> m.id().equals(id)).orElse(false);
        ModelService.Loaded loaded = models.load(id);
        return new ModelLoaded("success", wasLoaded ? "model " + id + " was already loaded" : "model " + id + " loaded",
                id.toString(), loaded.engine(), loaded.loadedAt());
    }

    public ModelUnloaded unload(ModelId id) {
        models.unload(id);
        return new ModelUnloaded("success", "model " + id + " unloaded", id.toString());
    }

    /** Parameters belong to models on disk (or in memory): anything else is an unknown model. */
    public void requireKnown(ModelId id) {
        if (registry.find(id).isEmpty() && models.current().map(m -> !m.id().equals(id)).orElse(true)) {
            throw ApiException.notFound("model " + id + " is not on disk");
        }
    }

    private ModelSummary summary(LocalModel local) {
        ModelId id = local.id();
        Optional<ModelService.Loaded> loaded = models.current().filter(m -> m.id().equals(id));
        Instant loadedAt = loaded.map(ModelService.Loaded::loadedAt).orElse(null);
        Optional<ModelMetadata> meta = ModelMetadata.read(local.folder()).filter(m -> local.commit().equals(m.commit()));
        Optional<DownloadProgress> download = downloads.progress(id);
        String status = models.statusOf(id);
        String error = models.errorOf(id).orElse(null);
        if (!status.equals("loaded") && !status.equals("loading") && downloads.downloading(id)) {
            status = "downloading";
        }
        String engine = models.current().filter(m -> m.id().equals(id)).map(ModelService.Loaded::engine)
                .orElseGet(() -> models.engineFor(local).map(InferenceEngine::name).orElse(null));
        return new ModelSummary(id.toString(), id.name(), status, local.description(),
                local.format().wireName(), engine, local.quantisation(), local.sizeBytes(), "huggingface", local.commit(), parameters.effective(id),
                loadedAt, error, meta.map(ModelMetadata::downloadedAt).orElse(null),
                meta.map(ModelMetadata::files).orElse(null), download.orElse(null));
    }

    /** A folder whose snapshot cannot be used: status error with why; what only its files would tell stays null. */
    private ModelSummary broken(ModelRegistry.BrokenFolder folder) {
        ModelId id = folder.id();
        return new ModelSummary(id.toString(), id.name(), "error", null, null, null, null, 0, "huggingface", null,
                parameters.effective(id), null, folder.reason(), null, null, downloads.progress(id).orElse(null));
    }

    /** A model that is only a download so far. */
    private ModelSummary pending(ModelId id, DownloadProgress p) {
        String status = p.status().equals("downloading") ? "downloading" : "error";
        String error = status.equals("error") ? p.error() : null;
        return new ModelSummary(id.toString(), id.name(), status, null, p.format(), null, null, 0, "huggingface", p.revision(),
                parameters.effective(id), null, error, null, null, p);
    }
}
