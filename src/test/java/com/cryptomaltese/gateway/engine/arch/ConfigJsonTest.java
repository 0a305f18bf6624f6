package com.cryptomaltese.gateway.engine.arch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import com.cryptomaltese.gateway.TestData;
import com.cryptomaltese.gateway.engine.arch.gpt2.Gpt2Config;
import com.cryptomaltese.gateway.engine.arch.llama.LlamaConfig;
import com.cryptomaltese.gateway.engine.tokenizer.HfTokenizer;
import com.cryptomaltese.gateway.engine.tokenizer.TokenizerSettings;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

/** A config.json with sizes no model has is refused at load, naming the field, not later as "/ by zero". */
class ConfigJsonTest {

    private static final Path STORIES = TestData.STORIES.resolve("config.json");

    @Test
    void theRealConfigReads() throws IOException {
        LlamaConfig config = LlamaConfig.read(TestData.STORIES);
        assertThat(config.numHeads()).isEqualTo(8);
        assertThat(config.numKvHeads()).isEqualTo(4);
    }

    @Test
    void sizesBelowOneOrNotWholeAreRefusedByName() throws IOException {
        assertThat(llamaRefusal("num_attention_heads", 0))
                .isEqualTo("config.json: num_attention_heads must be a whole number of at least 1, not 0");
        assertThat(llamaRefusal("num_hidden_layers", -1))
                .isEqualTo("config.json: num_hidden_layers must be a whole number of at least 1, not -1");
        assertThat(llamaRefusal("num_hidden_layers", 5.5))
                .isEqualTo("config.json: num_hidden_layers must be a whole number of at least 1, not 5.5");
        assertThat(llamaRefusal("num_hidden_layers", 1e10))
                .isEqualTo("config.json: num_hidden_layers must be a whole number of at least 1, not 1.0E10");
        ObjectNode floats = stories();
        floats.put("max_position_embeddings", 512.0);
        assertThat(LlamaConfig.read(folder("floats", floats.toString())).maxPositions()).isEqualTo(512);
        assertThat(llamaRefusal("max_position_embeddings", 0))
                .isEqualTo("config.json: max_position_embeddings must be a whole number of at least 1, not 0");
        assertThat(llamaRefusal("num_key_value_heads", "4"))
                .isEqualTo("config.json: num_key_value_heads must be a whole number of at least 1, not \"4\"");
        Path dir = folder("gpt2", "{\"model_type\": \"gpt2\", \"n_head\": 0}");
        assertThatThrownBy(() -> Gpt2Config.read(dir))
                .hasMessage("config.json: n_head must be a whole number of at least 1, not 0");
        ObjectNode missing = stories();
        missing.remove("hidden_size");
        Path noHidden = folder("missing", missing.toString());
        assertThatThrownBy(() -> LlamaConfig.read(noHidden)).hasMessage("config.json: hidden_size is missing");
    }

    @Test
    void aConfigThatIsNotAnObjectOrHasNoModelTypeSaysSo() throws IOException {
        assertThatThrownBy(() -> Architectures.modelType(folder("array", "[]")))
                .hasMessage("config.json is not a JSON object");
        ObjectNode untyped = stories();
        untyped.remove("model_type");
        assertThatThrownBy(() -> Architectures.modelType(folder("untyped", untyped.toString())))
                .hasMessage("config.json has no model_type (supported: gpt2, llama, mistral, qwen2)");
        assertThat(Architectures.modelType(TestData.STORIES)).isEqualTo("llama");
    }

    @Test
    void aFileThatIsNotJsonIsNamed() throws IOException {
        Path dir = folder("broken", "{\"model_type\": \"llama\", ");
        assertThatThrownBy(() -> LlamaConfig.read(dir)).hasMessageStartingWith("config.json is not valid JSON (line 1, ");
        // Where, never what: the file may be a link to a secret, and the message reaches API answers.
        Files.writeString(dir.resolve("config.json"), "hf_SECRETtoken0123456789");
        assertThatThrownBy(() -> LlamaConfig.read(dir)).hasMessage("config.json is not valid JSON (line 1, column 25)")
                .hasMessageNotContaining("SECRET");
        Files.writeString(dir.resolve("config.json"), Files.readString(STORIES));
        Files.writeString(dir.resolve("tokenizer_config.json"), "{\"chat_template\": ");
        assertThatThrownBy(() -> TokenizerSettings.load(dir))
                .hasMessageStartingWith("tokenizer_config.json is not valid JSON (line 1, ");
        Files.writeString(dir.resolve("tokenizer.json"), "{\"version\": ");
        assertThatThrownBy(() -> HfTokenizer.load(dir)).hasMessageStartingWith("tokenizer.json cannot be read: ");
    }

    private static String llamaRefusal(String field, Object value) throws IOException {
        ObjectNode config = stories();
        config.set(field, new ObjectMapper().valueToTree(value));
        Path dir = folder(field, config.toString());
        try {
            LlamaConfig.read(dir);
            throw new AssertionError(field + " = " + value + " was accepted");
        } catch (IOException e) {
            return e.getMessage();
        }
    }

    private static ObjectNode stories() throws IOException {
        return (ObjectNode) new ObjectMapper().readTree(STORIES.toFile());
    }

    private static Path folder(String name, String config) throws IOException {
        Path dir = TestData.freshDataDir("target/test-data/config-json/" + name);
        Files.writeString(dir.resolve("config.json"), config);
        return dir;
    }

    @Test
    void moreLayersThanTheWeightsHoldAreRefusedBeforeAnythingThatLargeIsMade() throws IOException {
        ObjectNode config = stories();
        config.put("num_hidden_layers", 1_000_000_000);
        Path dir = folder("billion-layers", config.toString());
        for (String name : java.util.List.of("model.safetensors", "tokenizer.json", "tokenizer_config.json")) {
            Files.copy(TestData.STORIES.resolve(name), dir.resolve(name));
        }
        assertThatThrownBy(() -> new com.cryptomaltese.gateway.engine.djl.DjlEngine().load(dir))
                .isInstanceOf(IOException.class)
                .hasMessage("config.json says 1000000000 layers, but the weights have no "
                        + "model.layers.999999999.input_layernorm.weight");
    }
}
