package com.cryptomaltese.gateway.engine.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TokenizerSettingsTest {

    @TempDir
    Path dir;

    @Test
    void readsTheStoriesModelWhichHasNoChatTemplate() throws IOException {
        TokenizerSettings s = TokenizerSettings.load(HfTokenizerTest.STORIES);
        assertThat(s.specialTokens()).containsEntry("bos_token", "<s>").containsEntry("eos_token", "</s>")
                .containsEntry("unk_token", "<unk>").doesNotContainKey("pad_token");
        assertThat(s.chatTemplate()).isEmpty();
        assertThat(s.eosTokenIds()).containsExactly(2);
        assertThat(s.bosTokenId()).contains(1);
        assertThat(s.padTokenId()).isEmpty();
    }

    @Test
    void readsAddedTokenObjectsModelSpecificTokensAndTheDefaultOfSeveralTemplates() throws IOException {
        write("tokenizer_config.json", """
                {"added_tokens_decoder": {},
                 "bos_token": {"__type": "AddedToken", "content": "<|begin|>", "special": true},
                 "eos_token": "<|end|>", "pad_token": null, "image_token": "<img>", "model_max_length": 8192,
                 "chat_template": [{"name": "tool_use", "template": "T"}, {"name": "default", "template": "D"}]}""");
        write("special_tokens_map.json", "{\"eos_token\": \"ignored because added_tokens_decoder exists\"}");
        write("generation_config.json", "{\"eos_token_id\": [128001, 128009], \"pad_token_id\": 0}");

        TokenizerSettings s = TokenizerSettings.load(dir);

        assertThat(s.specialTokens()).containsOnly(
                java.util.Map.entry("bos_token", "<|begin|>"), java.util.Map.entry("eos_token", "<|end|>"),
                java.util.Map.entry("image_token", "<img>"));
        assertThat(s.chatTemplate()).contains("D");
        assertThat(s.eosTokenIds()).containsExactly(128001, 128009);
        assertThat(s.padTokenId()).contains(0);
    }

    @Test
    void legacySpecialTokensMapOverridesTheConfig() throws IOException {
        write("tokenizer_config.json", "{\"eos_token\": \"</s>\", \"chat_template\": \"{{ eos_token }}\"}");
        write("special_tokens_map.json", "{\"eos_token\": {\"content\": \"<|im_end|>\"}, \"pad_token\": \"<pad>\"}");

        TokenizerSettings s = TokenizerSettings.load(dir);

        assertThat(s.specialTokens()).containsEntry("eos_token", "<|im_end|>").containsEntry("pad_token", "<pad>");
        assertThat(s.chatTemplate()).contains("{{ eos_token }}");
    }

    @Test
    void chatTemplateJinjaFileWinsOverTheConfig() throws IOException {
        write("tokenizer_config.json", "{\"chat_template\": \"from config\"}");
        write("chat_template.jinja", "from file\n");
        assertThat(TokenizerSettings.load(dir).chatTemplate()).contains("from file\n");
    }

    @Test
    void severalTemplatesWithoutDefaultAreRejected() throws IOException {
        write("tokenizer_config.json", "{\"chat_template\": [{\"name\": \"rag\", \"template\": \"R\"}]}");
        assertThatThrownBy(() -> TokenizerSettings.load(dir)).isInstanceOf(IOException.class).hasMessageContaining("[rag]");
    }

    @Test
    void anEmptyFolderHasNoTokensNoTemplateAndNoIds() throws IOException {
        TokenizerSettings s = TokenizerSettings.load(dir);
        assertThat(s.specialTokens()).isEmpty();
        assertThat(s.chatTemplate()).isEmpty();
        assertThat(s.eosTokenIds()).isEmpty();
    }

    private void write(String name, String content) throws IOException {
        Files.writeString(dir.resolve(name), content);
    }
}
