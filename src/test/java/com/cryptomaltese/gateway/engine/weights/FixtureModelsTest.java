package com.cryptomaltese.gateway.engine.weights;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * The tiny random-weight models under {@code fixtures/models}, written by
 * {@code tools/fixtures/make_models.py} with transformers. Proves that the Java side can open them
 * and that their tensors and golden values have the shapes their config.json promises; the engine
 * tests then compare against the golden numbers.
 */
class FixtureModelsTest {

    private static final List<String> MODELS =
            List.of("gpt2", "llama", "llama-tied", "llama-bf16", "llama-sharded", "qwen2", "mistral");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int IM_END = 2;

    static Path root() throws URISyntaxException {
        URL url = FixtureModelsTest.class.getResource("/fixtures/models");
        assertThat(url).as("fixtures/models on the test classpath").isNotNull();
        return Path.of(url.toURI());
    }

    private static JsonNode json(Path file) throws IOException {
        assertThat(file).isRegularFile();
        return JSON.readTree(file.toFile());
    }

    @Test
    void everyFixtureFolderIsCoveredHere() throws Exception {
        try (Stream<Path> dirs = Files.list(root())) {
            assertThat(dirs.filter(Files::isDirectory).map(p -> p.getFileName().toString()))
                    .containsExactlyInAnyOrderElementsOf(MODELS);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"gpt2", "llama", "llama-tied", "llama-bf16", "llama-sharded", "qwen2", "mistral"})
    void tensorsMatchTheConfig(String name) throws Exception {
        Path dir = root().resolve(name);
        JsonNode config = json(dir.resolve("config.json"));
        Map<String, long[]> expected = expectedShapes(config);
        DType dtype = "bfloat16".equals(config.path("dtype").asText()) ? DType.BF16 : DType.F32;

        try (SafetensorsModel model = SafetensorsModel.open(dir)) {
            assertThat(model.tensors().keySet()).containsExactlyInAnyOrderElementsOf(expected.keySet());
            for (Map.Entry<String, long[]> e : expected.entrySet()) {
                TensorInfo t = model.tensors().get(e.getKey());
                assertThat(t.shape()).as(e.getKey()).containsExactly(e.getValue());
                assertThat(t.dtype()).as(e.getKey()).isEqualTo(dtype);
                float[] values = model.load(e.getKey());
                assertThat(values).as(e.getKey()).hasSize((int) t.elementCount());
                for (float v : values) {
                    assertThat(Float.isFinite(v)).as(e.getKey() + " is finite").isTrue();
                }
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"gpt2", "llama", "llama-tied", "llama-bf16", "llama-sharded", "qwen2", "mistral"})
    void tokenizerAndGenerationConfig(String name) throws Exception {
        Path dir = root().resolve(name);
        JsonNode tokenizer = json(dir.resolve("tokenizer.json"));
        Map<String, Integer> specials = new LinkedHashMap<>();
        tokenizer.get("added_tokens").forEach(t -> specials.put(t.get("content").asText(), t.get("id").asInt()));
        assertThat(specials).containsEntry("<|endoftext|>", 0).containsEntry("<|im_start|>", 1)
                .containsEntry("<|im_end|>", IM_END);
        assertThat(tokenizer.at("/model/type").asText()).isEqualTo("BPE");
        assertThat(tokenizer.at("/model/vocab").size())
                .isEqualTo(json(dir.resolve("config.json")).get("vocab_size").asInt());

        JsonNode tokenizerConfig = json(dir.resolve("tokenizer_config.json"));
        assertThat(tokenizerConfig.get("chat_template").asText()).contains("<|im_start|>", "add_generation_prompt");
        assertThat(tokenizerConfig.get("eos_token").asText()).isEqualTo("<|im_end|>");

        JsonNode eos = json(dir.resolve("generation_config.json")).get("eos_token_id");
        if (name.equals("qwen2")) {
            assertThat(eos.isArray()).as("qwen2 has a list of eos ids").isTrue();
            assertThat(eos.get(0).asInt()).isEqualTo(IM_END);
            assertThat(eos.size()).isGreaterThan(1);
        } else {
            assertThat(eos.asInt()).isEqualTo(IM_END);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"gpt2", "llama", "llama-tied", "llama-bf16", "llama-sharded", "qwen2", "mistral"})
    void goldenValuesHaveTheExpectedKeys(String name) throws Exception {
        Path dir = root().resolve(name);
        int vocab = json(dir.resolve("config.json")).get("vocab_size").asInt();
        JsonNode golden = json(dir.resolve("golden.json"));

        assertThat(golden.get("model").asText()).isEqualTo(name);
        assertThat(golden.at("/versions/transformers").asText()).isNotBlank();
        assertThat(golden.at("/versions/torch").asText()).isNotBlank();
        assertThat(golden.at("/reference/dtype").asText()).isEqualTo("float32");
        assertThat(golden.at("/reference/attn_implementation").asText()).isEqualTo("eager");

        JsonNode chat = golden.at("/prompts/chat");
        assertThat(chat.get("text").asText()).startsWith("<|im_start|>user\n").endsWith("<|im_start|>assistant\n");
        assertIds(chat.get("ids"), vocab);
        assertThat(chat.get("ids").get(0).asInt()).isEqualTo(1); // <|im_start|>
        assertIds(golden.at("/prompts/plain/ids"), vocab);
        assertThat(golden.at("/prompts/plain/text").asText()).isNotBlank();

        for (String key : List.of("logits_last", "chat_logits_last")) {
            JsonNode logits = golden.get(key);
            assertThat(logits.get("values")).as(key).hasSize(vocab);
            float max = 0;
            int argmax = 0;
            for (int i = 0; i < vocab; i++) {
                float v = (float) logits.get("values").get(i).asDouble();
                assertThat(Float.isFinite(v)).isTrue();
                max = Math.max(max, Math.abs(v));
                if (v > (float) logits.get("values").get(argmax).asDouble()) {
                    argmax = i;
                }
            }
            assertThat(max).as(key + " max_abs").isEqualTo((float) logits.get("max_abs").asDouble());
            assertThat(argmax).as(key + " argmax").isEqualTo(logits.get("argmax").asInt());
        }

        JsonNode greedy = golden.get("greedy");
        assertThat(greedy.at("/kwargs/do_sample").asBoolean(true)).isFalse();
        assertThat(greedy.at("/kwargs/max_new_tokens").asInt()).isEqualTo(32);
        assertGenerated(greedy, vocab, 32);
        assertThat(greedy.get("steps")).hasSize(32);
        assertThat(greedy.at("/steps/0/top_ids/0").asInt()).isEqualTo(greedy.at("/new_ids/0").asInt());

        JsonNode beam = golden.get("beam");
        assertThat(beam.at("/kwargs/num_beams").asInt()).isEqualTo(3);
        assertThat(beam.at("/kwargs/length_penalty").asDouble()).isEqualTo(0.8);
        assertThat(beam.at("/kwargs/early_stopping").asBoolean()).isTrue();
        assertThat(beam.at("/kwargs/max_new_tokens").asInt()).isEqualTo(16);
        assertThat(beam.get("new_ids").size()).isBetween(1, 16);
        assertIds(beam.get("new_ids"), vocab);
        assertThat(beam.get("sequence_score").isNumber()).isTrue();

        JsonNode rep = golden.get("repetition_penalty");
        assertThat(rep.at("/kwargs/repetition_penalty").asDouble()).isEqualTo(1.3);
        assertGenerated(rep, vocab, 32);
        assertGenerated(golden.get("plain_greedy"), vocab, 32);
        assertThat(golden.at("/plain_greedy/prompt").asText()).isEqualTo("plain");
    }

    @Test
    void shardedLlamaHoldsExactlyTheWeightsOfLlama() throws Exception {
        Path sharded = root().resolve("llama-sharded");
        assertThat(sharded.resolve("model.safetensors")).doesNotExist();
        try (Stream<Path> files = Files.list(sharded)) {
            assertThat(files.map(p -> p.getFileName().toString())
                    .filter(f -> f.matches("model-\\d{5}-of-\\d{5}\\.safetensors"))).hasSizeGreaterThanOrEqualTo(2);
        }
        try (SafetensorsModel a = SafetensorsModel.open(root().resolve("llama"));
                SafetensorsModel b = SafetensorsModel.open(sharded)) {
            assertThat(b.tensors().keySet()).containsExactlyInAnyOrderElementsOf(a.tensors().keySet());
            for (String name : a.tensors().keySet()) {
                assertThat(b.load(name)).as(name).containsExactly(a.load(name));
            }
        }
    }

    @Test
    void bf16LlamaIsLlamaRoundedToBf16() throws Exception {
        try (SafetensorsModel f32 = SafetensorsModel.open(root().resolve("llama"));
                SafetensorsModel bf16 = SafetensorsModel.open(root().resolve("llama-bf16"))) {
            for (String name : f32.tensors().keySet()) {
                float[] expected = f32.load(name);
                for (int i = 0; i < expected.length; i++) {
                    expected[i] = roundToBf16(expected[i]);
                }
                assertThat(bf16.load(name)).as(name).containsExactly(expected);
            }
        }
    }

    @Test
    void tiedModelsStoreNoLmHead() throws Exception {
        for (String name : List.of("gpt2", "llama-tied")) {
            assertThat(json(root().resolve(name).resolve("config.json")).get("tie_word_embeddings").asBoolean())
                    .isTrue();
            try (SafetensorsModel m = SafetensorsModel.open(root().resolve(name))) {
                assertThat(m.tensors()).doesNotContainKey("lm_head.weight");
            }
        }
    }

    @Test
    void llamaRopeIsWrittenInBothSpellings() throws Exception {
        JsonNode config = json(root().resolve("llama").resolve("config.json"));
        assertThat(config.get("rope_theta").asDouble()).isNotEqualTo(10000.0)
                .isEqualTo(config.at("/rope_parameters/rope_theta").asDouble());
        assertThat(config.at("/rope_scaling/rope_type").asText()).isEqualTo("llama3");
        assertThat(config.at("/rope_parameters/rope_type").asText()).isEqualTo("llama3");
        assertThat(config.get("num_key_value_heads").asInt()).isLessThan(config.get("num_attention_heads").asInt());
        assertThat(json(root().resolve("mistral").resolve("config.json")).get("sliding_window").asInt()).isPositive();
    }

    @Test
    void allFixturesStaySmall() throws Exception {
        long total;
        try (Stream<Path> files = Files.walk(root())) {
            total = files.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
        }
        assertThat(total).isLessThan(5L * 1024 * 1024);
    }

    /** Round to nearest even, as torch's float32 to bfloat16 conversion does (no NaNs here). */
    private static float roundToBf16(float f) {
        int bits = Float.floatToRawIntBits(f);
        int rounded = bits + 0x7FFF + ((bits >>> 16) & 1);
        return Float.intBitsToFloat(rounded & 0xFFFF0000);
    }

    private static void assertGenerated(JsonNode entry, int vocab, int count) {
        assertThat(entry.get("new_ids")).hasSize(count);
        assertIds(entry.get("new_ids"), vocab);
        assertThat(entry.get("text").isTextual()).isTrue();
        assertThat(entry.get("text_skip_special").isTextual()).isTrue();
        assertThat(entry.get("kwargs").isObject()).isTrue();
        assertThat(entry.get("prompt").asText()).isIn("chat", "plain");
    }

    private static void assertIds(JsonNode ids, int vocab) {
        assertThat(ids.isArray()).isTrue();
        assertThat(ids.size()).isPositive();
        ids.forEach(id -> assertThat(id.asInt()).isBetween(0, vocab - 1));
    }

    /** Tensor names and shapes as transformers writes them, derived from config.json alone. */
    static Map<String, long[]> expectedShapes(JsonNode c) {
        Map<String, long[]> s = new LinkedHashMap<>();
        long vocab = c.get("vocab_size").asLong();
        boolean tied = c.path("tie_word_embeddings").asBoolean(true);
        if (c.get("model_type").asText().equals("gpt2")) {
            long h = c.get("n_embd").asLong();
            long inner = c.get("n_inner").isNull() ? 4 * h : c.get("n_inner").asLong();
            s.put("transformer.wte.weight", new long[] {vocab, h});
            s.put("transformer.wpe.weight", new long[] {c.get("n_positions").asLong(), h});
            s.put("transformer.ln_f.weight", new long[] {h});
            s.put("transformer.ln_f.bias", new long[] {h});
            for (int i = 0; i < c.get("n_layer").asInt(); i++) {
                String p = "transformer.h." + i + ".";
                for (String ln : List.of("ln_1", "ln_2")) {
                    s.put(p + ln + ".weight", new long[] {h});
                    s.put(p + ln + ".bias", new long[] {h});
                }
                // Conv1D: (in, out), the transpose of nn.Linear
                s.put(p + "attn.c_attn.weight", new long[] {h, 3 * h});
                s.put(p + "attn.c_attn.bias", new long[] {3 * h});
                s.put(p + "attn.c_proj.weight", new long[] {h, h});
                s.put(p + "attn.c_proj.bias", new long[] {h});
                s.put(p + "mlp.c_fc.weight", new long[] {h, inner});
                s.put(p + "mlp.c_fc.bias", new long[] {inner});
                s.put(p + "mlp.c_proj.weight", new long[] {inner, h});
                s.put(p + "mlp.c_proj.bias", new long[] {h});
            }
            if (!tied) {
                s.put("lm_head.weight", new long[] {vocab, h});
            }
            return s;
        }
        // llama, qwen2, mistral
        long h = c.get("hidden_size").asLong();
        long heads = c.get("num_attention_heads").asLong();
        long kvHeads = c.path("num_key_value_heads").asLong(heads);
        long headDim = c.hasNonNull("head_dim") ? c.get("head_dim").asLong() : h / heads;
        long inter = c.get("intermediate_size").asLong();
        boolean qkvBias = c.get("model_type").asText().equals("qwen2") || c.path("attention_bias").asBoolean(false);
        s.put("model.embed_tokens.weight", new long[] {vocab, h});
        s.put("model.norm.weight", new long[] {h});
        for (int i = 0; i < c.get("num_hidden_layers").asInt(); i++) {
            String p = "model.layers." + i + ".";
            s.put(p + "input_layernorm.weight", new long[] {h});
            s.put(p + "post_attention_layernorm.weight", new long[] {h});
            s.put(p + "self_attn.q_proj.weight", new long[] {heads * headDim, h});
            s.put(p + "self_attn.k_proj.weight", new long[] {kvHeads * headDim, h});
            s.put(p + "self_attn.v_proj.weight", new long[] {kvHeads * headDim, h});
            s.put(p + "self_attn.o_proj.weight", new long[] {h, heads * headDim});
            if (qkvBias) {
                s.put(p + "self_attn.q_proj.bias", new long[] {heads * headDim});
                s.put(p + "self_attn.k_proj.bias", new long[] {kvHeads * headDim});
                s.put(p + "self_attn.v_proj.bias", new long[] {kvHeads * headDim});
            }
            s.put(p + "mlp.gate_proj.weight", new long[] {inter, h});
            s.put(p + "mlp.up_proj.weight", new long[] {inter, h});
            s.put(p + "mlp.down_proj.weight", new long[] {h, inter});
        }
        if (!tied) {
            s.put("lm_head.weight", new long[] {vocab, h});
        }
        return s;
    }
}
