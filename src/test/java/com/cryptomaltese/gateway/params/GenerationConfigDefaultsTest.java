package com.cryptomaltese.gateway.params;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

/** What the gateway takes from a model's generation_config.json, on files shaped like real Hub ones. */
class GenerationConfigDefaultsTest {

    private static GenerationSettings parse(String json, List<String> skipped) throws Exception {
        JsonNode config = new ObjectMapper().readTree(json);
        return GenerationConfigDefaults.parse(config, skipped);
    }

    @Test
    void llama3InstructStyleFile() throws Exception {
        List<String> skipped = new ArrayList<>();
        GenerationSettings values = parse("""
                {"bos_token_id": 128000, "do_sample": true, "eos_token_id": [128001, 128008, 128009],
                 "temperature": 0.6, "top_p": 0.9, "transformers_version": "4.45.0.dev0"}""", skipped);

        assertThat(values).isEqualTo(new GenerationSettings(0.6, null, 0.9, null, null, true, null, null, null, null,
                TokenIds.of(List.of(128001, 128008, 128009)), null));
        assertThat(skipped).isEmpty();
    }

    @Test
    void everyKeyTheGatewayKnows() throws Exception {
        List<String> skipped = new ArrayList<>();
        GenerationSettings values = parse("""
                {"do_sample": false, "temperature": 1, "top_k": 20, "top_p": 0.8, "repetition_penalty": 1.05,
                 "num_beams": 4, "length_penalty": 0.5, "early_stopping": true, "max_new_tokens": 256,
                 "max_length": 32768, "eos_token_id": 2, "pad_token_id": null}""", skipped);

        assertThat(values).isEqualTo(new GenerationSettings(1.0, 20, 0.8, 256, 1.05, false, 4, 0.5, true, null,
                TokenIds.of(2), null));
        assertThat(skipped).isEmpty();
    }

    @Test
    void valuesTheGatewayCannotHonourAreSkippedAndNamed() throws Exception {
        List<String> skipped = new ArrayList<>();
        GenerationSettings values = parse("""
                {"top_k": 0, "temperature": 5.0, "early_stopping": "never", "max_new_tokens": 100000,
                 "eos_token_id": [], "pad_token_id": -1, "top_p": "0.9", "do_sample": true, "num_beams": 3}""", skipped);

        // do_sample survives; beam sampling is refused by the gateway, so the beams are dropped.
        assertThat(values).isEqualTo(new GenerationSettings(null, null, null, null, null, true, null, null, null, null));
        assertThat(skipped).hasSize(8).anySatisfy(s -> assertThat(s).startsWith("top_k 0"))
                .anySatisfy(s -> assertThat(s).startsWith("max_new_tokens 100000"))
                .anySatisfy(s -> assertThat(s).startsWith("num_beams 3"));
    }

    /** Keys for what the gateway does not do are named when they would change transformers' generation, not otherwise. */
    @Test
    void keysTheGatewayDoesNotApplyAreNamedWhenTheyWouldChangeGeneration() throws Exception {
        List<String> skipped = new ArrayList<>();
        GenerationSettings values = parse("""
                {"do_sample": false, "min_new_tokens": 15, "no_repeat_ngram_size": 3, "min_length": 0, "typical_p": 0.5,
                 "suppress_tokens": null, "bad_words_ids": [[5]], "num_beam_groups": 1, "transformers_version": "4.57.1",
                 "begin_suppress_tokens": [], "guidance_scale": 1.0, "min_p": 0.0,
                 "penalty_alpha": 0, "encoder_no_repeat_ngram_size": 0, "eta_cutoff": null}""", skipped);

        assertThat(values).isEqualTo(new GenerationSettings(null, null, null, null, null, false, null, null, null, null));
        assertThat(skipped).containsExactlyInAnyOrder(
                "min_new_tokens 15: not applied by the gateway (transformers would apply it)",
                "no_repeat_ngram_size 3: not applied by the gateway (transformers would apply it)",
                "bad_words_ids [[5]]: not applied by the gateway (transformers would apply it)");

        // typical_p, min_p, epsilon and eta cut-offs act only when sampling.
        List<String> sampling = new ArrayList<>();
        parse("""
                {"do_sample": true, "typical_p": 0.5, "min_p": 0.05, "min_new_tokens": 0}""", sampling);
        assertThat(sampling).containsExactlyInAnyOrder(
                "typical_p 0.5: not applied by the gateway (transformers would apply it)",
                "min_p 0.05: not applied by the gateway (transformers would apply it)");
    }

    @Test
    void aFileThatIsNoObjectGivesNothing() throws Exception {
        List<String> skipped = new ArrayList<>();
        assertThat(parse("[1, 2]", skipped)).isEqualTo(GenerationSettings.NONE);
        assertThat(skipped).hasSize(1);
    }
}
