package com.cryptomaltese.gateway.engine.arch;

import static com.cryptomaltese.gateway.engine.exported.Goldens.eos;
import static com.cryptomaltese.gateway.engine.exported.Goldens.golden;
import static com.cryptomaltese.gateway.engine.exported.Goldens.ints;
import static com.cryptomaltese.gateway.engine.exported.Goldens.params;
import static com.cryptomaltese.gateway.engine.exported.Goldens.prompt;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;

import ai.djl.ndarray.NDManager;
import com.cryptomaltese.gateway.engine.GenerationParams;
import com.cryptomaltese.gateway.engine.GenerationResult.FinishReason;
import com.cryptomaltese.gateway.engine.decode.Generator;
import com.cryptomaltese.gateway.engine.decode.TokenSelector;
import com.cryptomaltese.gateway.engine.exported.Goldens;
import com.cryptomaltese.gateway.engine.weights.SafetensorsModel;
import com.cryptomaltese.gateway.engine.weights.WeightLoader;
import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every architecture against transformers: the tiny random-weight models and their golden values
 * come from tools/fixtures/make_models.py (transformers 5.x, float32, eager attention).
 */
class TransformersGoldenTest {

    static final Path FIXTURES = Path.of("src/test/resources/fixtures/models");
    static NDManager manager;

    @BeforeAll
    static void engine() {
        manager = NDManager.newBaseManager();
    }

    @AfterAll
    static void release() {
        manager.close();
    }

    /** Last-position logits of the plain prompt within 1e-4 of the largest |logit|. */
    @ParameterizedTest
    @ValueSource(strings = {"gpt2", "llama", "llama-tied", "llama-bf16", "llama-sharded", "qwen2", "mistral"})
    void logitsMatch(String name) throws IOException {
        try (SafetensorsModel weights = SafetensorsModel.open(FIXTURES.resolve(name))) {
            assertLastLogitsMatch(name, FIXTURES.resolve(name), weights, golden(name), manager);
        }
    }

    /** The plain prompt's last-position logits from {@code weights} within 1e-4 of the largest golden |logit|. */
    static void assertLastLogitsMatch(String name, Path folder, WeightLoader weights, JsonNode golden,
                                      NDManager manager) throws IOException {
        JsonNode expected = golden.at("/logits_last/values");
        int[] prompt = ints(golden.at("/prompts/plain/ids"));
        try (DecoderModel model = Architectures.load(folder, weights, manager);
             NDManager sequence = manager.newSubManager();
             KvCache cache = model.newCache(sequence)) {
            float[] logits = model.forward(prompt, cache, sequence).toFloatArray();
            assertThat(logits).hasSize(expected.size());
            double tolerance = 1e-4 * golden.at("/logits_last/max_abs").asDouble();
            for (int i = 0; i < logits.length; i++) {
                assertThat((double) logits[i]).as("%s logit %d", name, i)
                        .isCloseTo(expected.get(i).asDouble(), org.assertj.core.data.Offset.offset(tolerance));
            }
        }
    }

    /** Greedy new ids for the chat prompt, and for the plain one, token for token. */
    @ParameterizedTest
    @ValueSource(strings = {"gpt2", "llama", "llama-tied", "llama-bf16", "llama-sharded", "qwen2", "mistral"})
    void greedyIdsMatch(String name) throws IOException {
        JsonNode golden = golden(name);
        for (String entry : new String[] {"greedy", "plain_greedy"}) {
            JsonNode run = golden.get(entry);
            int[] prompt = ints(golden.at("/prompts/" + run.get("prompt").asText() + "/ids"));
            int[] expected = ints(run.get("new_ids"));
            Set<Integer> eos = new HashSet<>();
            JsonNode eosNode = run.at("/kwargs/eos_token_id");
            if (eosNode.isInt()) {
                eos.add(eosNode.asInt());
            }
            eosNode.forEach(id -> eos.add(id.asInt()));
            try (SafetensorsModel weights = SafetensorsModel.open(FIXTURES.resolve(name));
                 DecoderModel model = Architectures.load(FIXTURES.resolve(name), weights, manager)) {
                Generator.Output out = new Generator(model, manager, Clock.systemUTC()).generate(prompt,
                        run.at("/kwargs/max_new_tokens").asInt(), eos, TokenSelector.greedy(),
                        Instant.now().plusSeconds(60), token -> { });
                assertThat(out.tokens()).as(name + " " + entry).containsExactly(expected);
                assertThat(out.finishReason()).isEqualTo(eos.contains(expected[expected.length - 1])
                        ? FinishReason.STOP : FinishReason.LENGTH);
            }
        }
    }

    /** Greedy with repetition_penalty 1.3, and beam search (3 beams, length_penalty 0.8, early stopping). */
    @ParameterizedTest
    @ValueSource(strings = {"gpt2", "llama", "llama-tied", "llama-bf16", "llama-sharded", "qwen2", "mistral"})
    void repetitionPenaltyAndBeamSearchIdsMatch(String name) throws IOException {
        JsonNode golden = golden(name);
        try (SafetensorsModel weights = SafetensorsModel.open(FIXTURES.resolve(name));
             DecoderModel model = Architectures.load(FIXTURES.resolve(name), weights, manager)) {
            Goldens.assertPenaltyAndBeamIds(new Generator(model, manager, Clock.systemUTC()), golden, name);
        }
    }

    /**
     * eos_token_id and pad_token_id other than the model's (a number, a list, and in beam search): the
     * override replaces the model's eos ids, greedy stops on it where transformers stopped, beam search
     * finishes the hypotheses transformers finished, and the pad id changes nothing for one sequence.
     */
    @ParameterizedTest
    @ValueSource(strings = {"gpt2", "llama", "llama-tied", "llama-bf16", "llama-sharded", "qwen2", "mistral"})
    void overriddenEosIdsMatch(String name) throws IOException {
        JsonNode golden = golden(name);
        Set<Integer> modelEos = ids(golden.get("eos_token_id"));
        try (SafetensorsModel weights = SafetensorsModel.open(FIXTURES.resolve(name));
             DecoderModel model = Architectures.load(FIXTURES.resolve(name), weights, manager)) {
            Generator generator = new Generator(model, manager, Clock.systemUTC());
            for (String entry : new String[] {"eos_override", "eos_override_list"}) {
                JsonNode run = golden.get(entry);
                GenerationParams params = overriding(run.get("kwargs"));
                assertThat(params.eosOr(modelEos)).as(name + " " + entry).isEqualTo(eos(run)).isNotEqualTo(modelEos);
                Generator.Output out = generator.generate(prompt(golden, run), params.maxLength(),
                        params.eosOr(modelEos), TokenSelector.of(params, new SplittableRandom(0)),
                        Instant.now().plusSeconds(60), token -> { });
                assertThat(out.tokens()).as(name + " " + entry).containsExactly(ints(run.get("new_ids")));
                assertThat(out.tokens().length).isLessThan(run.at("/kwargs/max_new_tokens").asInt());
                assertThat(out.finishReason()).isEqualTo(FinishReason.STOP);
            }
            JsonNode beam = golden.get("beam_eos_override");
            GenerationParams params = overriding(beam.get("kwargs"));
            Generator.Output best = generator.beamSearch(prompt(golden, beam), params, params.eosOr(modelEos),
                    Instant.now().plusSeconds(60));
            assertThat(best.tokens()).as(name + " beam").containsExactly(ints(beam.get("new_ids")));
            assertThat(best.finishReason()).isEqualTo(FinishReason.STOP);
        }
    }

    /** As {@link Goldens#params}, with the run's eos_token_id and pad_token_id as overrides of the model's. */
    static GenerationParams overriding(JsonNode kwargs) {
        return params(kwargs).withSpecialTokens(List.copyOf(ids(kwargs.get("eos_token_id"))),
                kwargs.get("pad_token_id").asInt());
    }

    /** A number or a list of numbers, in order. */
    static Set<Integer> ids(JsonNode node) {
        Set<Integer> ids = new LinkedHashSet<>();
        if (node.isInt()) {
            ids.add(node.asInt());
        }
        node.forEach(id -> ids.add(id.asInt()));
        return ids;
    }

}
