package com.cryptomaltese.gateway.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;

import com.cryptomaltese.gateway.GatewayProperties;
import com.cryptomaltese.gateway.TestData;
import com.cryptomaltese.gateway.api.ApiException;
import com.cryptomaltese.gateway.engine.ChatMessage;
import com.cryptomaltese.gateway.engine.GenerationParams;
import com.cryptomaltese.gateway.engine.djl.DjlEngine;
import org.junit.jupiter.api.Test;

/**
 * Loading B gives up A only once B's files have passed the checks that can be made without loading:
 * a folder whose weights header is garbage is refused while A goes on answering.
 */
class BrokenModelKeepsTheLoadedOneTest {

    @Test
    void aBrokenModelIsRefusedBeforeTheLoadedOneIsUnloaded() throws Exception {
        Path data = TestData.freshDataDir("target/test-data/broken-keeps-loaded");
        ModelId good = ModelId.parse("good/stories", "model_id");
        ModelId broken = ModelId.parse("broken/stories", "model_id");
        TestData.linkHubModel(data, TestData.STORIES, "good", "stories");
        Path brokenFiles = Files.createDirectories(data.resolve("broken-files"));
        for (String name : List.of("config.json", "tokenizer.json", "tokenizer_config.json", "generation_config.json")) {
            Files.copy(TestData.STORIES.resolve(name), brokenFiles.resolve(name));
        }
        // A safetensors header length far beyond the file.
        byte[] weights = Files.readAllBytes(TestData.STORIES.resolve("model.safetensors"));
        ByteBuffer.wrap(weights).order(ByteOrder.LITTLE_ENDIAN).putLong(0, 4_840_143_843_293_241_146L);
        Files.write(brokenFiles.resolve("model.safetensors"), weights);
        TestData.linkHubModel(data, brokenFiles, "broken", "stories");

        ModelService service = new ModelService(new ModelRegistry(new GatewayProperties(data, null, null, null, null,
                null)), List.of(new DjlEngine()), "");
        try {
            service.load(good);
            assertThatThrownBy(() -> service.load(broken)).isInstanceOfSatisfying(ApiException.class, e -> {
                assertThat(e.status()).isEqualTo(409);
                assertThat(e.getMessage()).startsWith("model broken/stories cannot be loaded: ")
                        .contains("4840143843293241146");
            });
            assertThat(service.statusOf(good)).isEqualTo("loaded");
            assertThat(service.statusOf(broken)).isEqualTo("error");
            String answer = service.withModel(loaded -> loaded.model().generate(List.of(ChatMessage.user("Once upon a time")),
                    new GenerationParams(1.0, 50, 1.0, 8, 1.0, false, 1, 1.0, false, null),
                    Instant.now().plusSeconds(60)).text());
            assertThat(answer).isNotBlank();
            assertThat(service.lastUnload()).isEmpty();
        } finally {
            service.shutdown();
        }
    }

    /** A chat template that cannot render even "Hello" would fail every chat: refused at load, A serving on. */
    @Test
    void aChatTemplateThatCannotRenderIsRefusedAtLoad() throws Exception {
        Path data = TestData.freshDataDir("target/test-data/broken-template-keeps-loaded");
        ModelId good = ModelId.parse("good/stories", "model_id");
        ModelId broken = ModelId.parse("broken/template", "model_id");
        TestData.linkHubModel(data, TestData.STORIES, "good", "stories");
        Path brokenFiles = Files.createDirectories(data.resolve("broken-files"));
        for (String name : List.of("config.json", "tokenizer.json", "generation_config.json", "model.safetensors")) {
            Files.copy(TestData.STORIES.resolve(name), brokenFiles.resolve(name));
        }
        Files.writeString(brokenFiles.resolve("tokenizer_config.json"),
                "{\"chat_template\": \"{{ messages[0].content.casefold() }}\"}");
        TestData.linkHubModel(data, brokenFiles, "broken", "template");

        ModelService service = new ModelService(new ModelRegistry(new GatewayProperties(data, null, null, null, null,
                null)), List.of(new DjlEngine()), "");
        try {
            service.load(good);
            assertThatThrownBy(() -> service.load(broken)).isInstanceOfSatisfying(ApiException.class, e -> {
                assertThat(e.status()).isEqualTo(409);
                assertThat(e.getMessage()).startsWith("model broken/template cannot be loaded: the chat template "
                        + "cannot be rendered: ").contains("casefold");
            });
            assertThat(service.statusOf(good)).isEqualTo("loaded");
        } finally {
            service.shutdown();
        }
    }
}
