package com.cryptomaltese.gateway.engine.arch.llama;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Arrays;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.cryptomaltese.gateway.engine.arch.KvCache;
import com.cryptomaltese.gateway.engine.weights.SafetensorsModel;
import org.junit.jupiter.api.Test;

/**
 * Karpathy's trained TinyStories-260K (../shared/models/stories260K/hf) through our Llama forward
 * pass. Golden ids: transformers 5.17.0 greedy, max_new_tokens=30, recorded in
 * ../shared/models/PROVENANCE.md.
 */
class StoriesGreedyTest {

    static final Path STORIES = Path.of("../shared/models/stories260K/hf");
    static final int[] PROMPT = {1, 403, 407, 261, 378}; // "Once upon a time" with BOS
    static final int[] TRANSFORMERS_GREEDY = {432, 383, 286, 261, 376, 298, 315, 421, 395, 317, 426, 338, 401, 396,
            267, 337, 410, 408, 419, 292, 411, 322, 265, 282, 295, 433, 426, 385, 328, 432};

    @Test
    void greedyContinuationMatchesTransformers() throws Exception {
        LlamaConfig config = LlamaConfig.read(STORIES);
        try (NDManager manager = NDManager.newBaseManager();
             SafetensorsModel weights = SafetensorsModel.open(STORIES);
             LlamaModel model = LlamaModel.load(config, weights, manager);
             NDManager sequence = manager.newSubManager();
             KvCache cache = model.newCache(sequence)) {
            int[] generated = new int[TRANSFORMERS_GREEDY.length];
            int[] input = PROMPT;
            for (int i = 0; i < generated.length; i++) {
                try (NDManager step = manager.newSubManager()) {
                    NDArray logits = model.forward(input, cache, step);
                    generated[i] = (int) logits.argMax().getLong();
                }
                input = new int[] {generated[i]};
            }
            assertThat(generated).as(Arrays.toString(generated)).containsExactly(TRANSFORMERS_GREEDY);
            assertThat(cache.length()).isEqualTo(PROMPT.length + TRANSFORMERS_GREEDY.length - 1);
        }
    }
}
