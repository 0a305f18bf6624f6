package com.cryptomaltese.gateway.engine.djl;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import com.cryptomaltese.gateway.engine.ChatMessage;
import com.cryptomaltese.gateway.engine.GenerationParams;
import com.cryptomaltese.gateway.engine.GenerationResult;
import com.cryptomaltese.gateway.engine.GenerationResult.FinishReason;
import com.cryptomaltese.gateway.engine.LanguageModel;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A loaded model given eos_token_id and pad_token_id other than its generation_config's: it answers as
 * transformers' {@code generate()} with the same arguments (tools/fixtures/make_models.py, golden.json
 * entries {@code eos_override}, {@code eos_override_list}, {@code beam_eos_override}).
 */
class DjlEosOverrideTest {

    static final Path MODELS = Path.of("src/test/resources/fixtures/models");

    private final DjlEngine engine = new DjlEngine();

    @ParameterizedTest
    @ValueSource(strings = {"gpt2", "llama", "qwen2", "mistral"})
    void stopsWhereTransformersStops(String name) throws Exception {
        JsonNode golden = new ObjectMapper().readTree(MODELS.resolve(name).resolve("golden.json").toFile());
        JsonNode message = golden.at("/prompts/chat/messages/0");
        List<ChatMessage> messages = List.of(new ChatMessage(message.get("role").asText(), message.get("content").asText()));
        try (LanguageModel model = engine.load(MODELS.resolve(name))) {
            assertThat(model.vocabularySize()).isEqualTo(384);
            for (String entry : new String[] {"eos_override", "eos_override_list", "beam_eos_override"}) {
                JsonNode run = golden.get(entry);
                GenerationResult result = model.generate(messages, params(run.get("kwargs")),
                        Instant.now().plusSeconds(60));
                assertThat(result.text()).as(name + " " + entry).isEqualTo(run.get("text_skip_special").asText());
                assertThat(result.completionTokens()).as(name + " " + entry).isEqualTo(run.get("new_ids").size());
                assertThat(result.finishReason()).as(name + " " + entry).isEqualTo(FinishReason.STOP);
            }
            // Without the override the same prompt runs to the token limit: the model's own eos is not reached.
            JsonNode greedy = golden.get("greedy");
            GenerationResult own = model.generate(messages, params(greedy.get("kwargs")), Instant.now().plusSeconds(60));
            assertThat(own.finishReason()).isEqualTo(FinishReason.LENGTH);
            assertThat(own.text()).isEqualTo(greedy.get("text_skip_special").asText());
        }
    }

    /** Greedy or beam search as in the kwargs; eos and pad ids become overrides only when they differ from the model's. */
    private static GenerationParams params(JsonNode kwargs) {
        GenerationParams params = new GenerationParams(1.0, 0, 1.0, kwargs.get("max_new_tokens").asInt(), 1.0, false,
                kwargs.path("num_beams").asInt(1), kwargs.path("length_penalty").asDouble(1.0),
                kwargs.path("early_stopping").asBoolean(false), null);
        if (kwargs.get("pad_token_id").asInt() == 0) {
            return params; // the model's own pad id (generation_config.json): no override
        }
        List<Integer> eos = new ArrayList<>();
        JsonNode node = kwargs.get("eos_token_id");
        if (node.isInt()) {
            eos.add(node.asInt());
        }
        node.forEach(id -> eos.add(id.asInt()));
        return params.withSpecialTokens(eos, kwargs.get("pad_token_id").asInt());
    }
}
