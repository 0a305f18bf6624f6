package com.cryptomaltese.gateway.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.function.Consumer;

import com.cryptomaltese.gateway.GatewayProperties;
import com.cryptomaltese.gateway.TestData;
import com.cryptomaltese.gateway.api.ApiException;
import com.cryptomaltese.gateway.engine.ChatMessage;
import com.cryptomaltese.gateway.engine.GenerationParams;
import com.cryptomaltese.gateway.engine.djl.DjlEngine;
import org.junit.jupiter.api.Test;

/**
 * Loading B gives up A only once B's files have passed the checks that can be made without loading:
 * a folder whose weights header is garbage, whose tensors do not fit its config or whose chat
 * template cannot render is refused while A goes on answering.
 */
class BrokenModelKeepsTheLoadedOneTest {

    private static final ModelId GOOD = ModelId.parse("good/stories", "model_id");
    private static final List<String> STORIES_FILES = List.of("config.json", "tokenizer.json", "tokenizer_config.json",
            "generation_config.json", "model.safetensors");

    @Test
    void aBrokenModelIsRefusedBeforeTheLoadedOneIsUnloaded() throws Exception {
        // A safetensors header length far beyond the file.
        byte[] weights = Files.readAllBytes(TestData.STORIES.resolve("model.safetensors"));
        ByteBuffer.wrap(weights).order(ByteOrder.LITTLE_ENDIAN).putLong(0, 4_840_143_843_293_241_146L);
        Path data = TestData.freshDataDir("target/test-data/broken-keeps-loaded");
        ModelId broken = brokenCopy(data, "stories", "model.safetensors", weights);

        ModelService service = service(data);
        try {
            service.load(GOOD);
            assertThatThrownBy(() -> service.load(broken)).isInstanceOfSatisfying(ApiException.class, e -> {
                assertThat(e.status()).isEqualTo(409);
                assertThat(e.getMessage()).startsWith("model broken/stories cannot be loaded: ")
                        .contains("4840143843293241146");
            });
            assertThat(service.statusOf(GOOD)).isEqualTo("loaded");
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
        ModelId broken = brokenCopy(data, "template", "tokenizer_config.json",
                "{\"chat_template\": \"{{ messages[0].content.casefold() }}\"}".getBytes(StandardCharsets.UTF_8));

        ModelService service = service(data);
        try {
            assertRefusedWhileGoodServes(service, broken, message -> assertThat(message)
                    .startsWith("model broken/template cannot be loaded: the chat template cannot be rendered: ")
                    .contains("casefold"));
        } finally {
            service.shutdown();
        }
    }

    /** A chat template that renders "Hello" as nothing would give every chat an empty prompt: refused at load too. */
    @Test
    void aChatTemplateThatRendersNothingIsRefusedAtLoad() throws Exception {
        for (String template : List.of("{% if false %}{{ messages[0].content }}{% endif %}",
                "{{ messages[0].content | nosuchfilter }}")) {
            Path data = TestData.freshDataDir("target/test-data/empty-template-keeps-loaded");
            ModelId broken = brokenCopy(data, "template", "tokenizer_config.json",
                    ("{\"chat_template\": \"" + template + "\"}").getBytes(StandardCharsets.UTF_8));
            ModelService service = service(data);
            try {
                assertRefusedWhileGoodServes(service, broken, message -> assertThat(message).as(template).isEqualTo(
                        "model broken/template cannot be loaded: the chat template renders a one-message conversation "
                                + "as an empty prompt"));
            } finally {
                service.shutdown();
            }
        }
    }

    /** A config.json that does not fit the weights (a common mix-up) is found from the headers, before A goes. */
    @Test
    void weightsOfAnotherShapeThanTheConfigSaysAreRefusedBeforeTheLoadedOneIsUnloaded() throws Exception {
        Path data = TestData.freshDataDir("target/test-data/broken-shape-keeps-loaded");
        String config = Files.readString(TestData.STORIES.resolve("config.json"));
        assertThat(config).contains("\"intermediate_size\": 172,");
        ModelId broken = brokenCopy(data, "shape", "config.json",
                config.replace("\"intermediate_size\": 172,", "\"intermediate_size\": 180,").getBytes(StandardCharsets.UTF_8));

        ModelService service = service(data);
        try {
            assertRefusedWhileGoodServes(service, broken, message -> assertThat(message).isEqualTo("model broken/shape "
                    + "cannot be loaded: tensor model.layers.0.mlp.gate_proj.weight has shape [172, 64], config.json "
                    + "implies [180, 64]"));
            assertThat(service.lastUnload()).isEmpty();
        } finally {
            service.shutdown();
        }
    }

    /** With good/stories loaded, loading {@code broken} is a 409 whose message passes {@code message}, and good/stories stays loaded. */
    private static void assertRefusedWhileGoodServes(ModelService service, ModelId broken, Consumer<String> message) {
        service.load(GOOD);
        assertThatThrownBy(() -> service.load(broken)).isInstanceOfSatisfying(ApiException.class, e -> {
            assertThat(e.status()).isEqualTo(409);
            message.accept(e.getMessage());
        });
        assertThat(service.statusOf(GOOD)).isEqualTo("loaded");
    }

    /** good/stories as the shared model is, and broken/{@code name}: the same files but {@code file} replaced. */
    private static ModelId brokenCopy(Path data, String name, String file, byte[] content) throws Exception {
        TestData.linkHubModel(data, TestData.STORIES, "good", "stories");
        Path brokenFiles = Files.createDirectories(data.resolve("broken-files"));
        for (String each : STORIES_FILES) {
            Files.copy(TestData.STORIES.resolve(each), brokenFiles.resolve(each));
        }
        Files.write(brokenFiles.resolve(file), content);
        TestData.linkHubModel(data, brokenFiles, "broken", name);
        return ModelId.parse("broken/" + name, "model_id");
    }

    private static ModelService service(Path data) {
        return new ModelService(new ModelRegistry(new GatewayProperties(data, null, null, null, null, null, null)),
                List.of(new DjlEngine()), "");
    }
}
