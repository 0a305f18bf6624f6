package com.cryptomaltese.gateway.engine.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;

import com.cryptomaltese.gateway.engine.ChatMessage;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class PromptBuilderTest {

    private static final String CHATML = "{% for m in messages %}<|im_start|>{{ m.role }}\n{{ m.content }}<|im_end|>\n"
            + "{% endfor %}{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}";

    @Test
    void aModelWithoutTemplateGetsTheLastMessageAsIsWithItsSpecialTokens() throws IOException {
        PromptBuilder builder = PromptBuilder.forModel(TokenizerSettings.load(HfTokenizerTest.STORIES));
        Prompt prompt = builder.build(List.of(ChatMessage.system("ignored"), ChatMessage.user("Once upon a time")));

        assertThat(builder.usesChatTemplate()).isFalse();
        assertThat(prompt).isEqualTo(new Prompt("Once upon a time", true));
        try (HfTokenizer tokenizer = HfTokenizer.load(HfTokenizerTest.STORIES)) {
            assertThat(tokenizer.encode(prompt.text(), prompt.addSpecialTokens())).containsExactly(1, 403, 407, 261, 378);
        }
    }

    @Test
    void aModelWithTemplateGetsTheRenderedConversationWithAGenerationPrompt() {
        TokenizerSettings settings = new TokenizerSettings(Map.of("eos_token", "<|im_end|>"), Optional.of(CHATML),
                List.of(2), Optional.empty(), Optional.empty());
        PromptBuilder builder = PromptBuilder.forModel(settings);

        Prompt prompt = builder.build(List.of(ChatMessage.user("Hi")));

        assertThat(builder.usesChatTemplate()).isTrue();
        assertThat(prompt).isEqualTo(new Prompt("<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n", false));
    }
}
