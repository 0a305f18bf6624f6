package com.cryptomaltese.gateway.api;

import java.lang.management.ManagementFactory;
import java.time.Instant;

import com.cryptomaltese.gateway.api.ModelViews.Health;
import com.cryptomaltese.gateway.api.ModelViews.ModelList;
import com.cryptomaltese.gateway.api.ModelViews.ModelLoaded;
import com.cryptomaltese.gateway.api.ModelViews.ModelSummary;
import com.cryptomaltese.gateway.api.ModelViews.ModelUnloaded;
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
    private final String version;

    ModelOperations(ModelRegistry registry, ModelService models, ParameterService parameters,
                    ObjectProvider<BuildProperties> build) {
        this.registry = registry;
        this.models = models;
        this.parameters = parameters;
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
        return new ModelList(registry.list().stream().map(this::summary).toList(), loaded);
    }

    public ModelLoaded load(ModelId id) {
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

    public void download() {
        throw ApiException.unavailable("downloads are not available yet", null);
    }

    private ModelSummary summary(LocalModel local) {
        ModelId id = local.id();
        Instant loadedAt = models.current().filter(m -> m.id().equals(id)).map(ModelService.Loaded::loadedAt).orElse(null);
        return new ModelSummary(id.toString(), id.name(), models.statusOf(id), local.description(),
                local.format().wireName(), local.sizeBytes(), "huggingface", local.commit(), parameters.effective(id),
                loadedAt, models.errorOf(id).orElse(null));
    }
}
