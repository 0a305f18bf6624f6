package com.cryptomaltese.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;

import com.cryptomaltese.gateway.model.ModelId;
import com.cryptomaltese.gateway.model.ModelService;
import com.cryptomaltese.gateway.params.GenerationSettings;
import com.cryptomaltese.gateway.params.ParameterService;

/**
 * The trained TinyStories-260K model (../shared/models/stories260K/hf), linked into a data dir in
 * the Hugging Face cache layout and loaded with greedy stored parameters, so a channel message
 * "Once upon a time" gets transformers' greedy continuation (as DjlChatApiTest proves over REST).
 */
public final class StoriesModel {

    public static final ModelId ID = ModelId.parse("karpathy/stories260K", "model_id");
    public static final String PROMPT = "Once upon a time";
    public static final String GREEDY =
            ", there was a little girl named Lily. She loved to play outside in the park. One day,";
    private static final Path SOURCE = Path.of("../shared/models/stories260K/hf").toAbsolutePath().normalize();

    private StoriesModel() {
    }

    public static void linkInto(Path dataDir) {
        TestData.linkHubModel(dataDir, SOURCE, "karpathy", "stories260K");
    }

    /** Loads it through the API; a model already loaded (409) is fine. */
    public static void loadOverApi(TestApi api) {
        TestApi.Reply load = api.post("/api/v1/models/karpathy%2Fstories260K/load", TestApi.USER_KEY, null);
        assertThat(load.status()).as(load.body()).isIn(200, 409);
    }

    public static void loadGreedy(ModelService models, ParameterService parameters) {
        parameters.update(ID, new GenerationSettings(null, null, null, 30, 1.0, false, null, null, null, null), "test");
        models.load(ID);
    }
}
