package com.cryptomaltese.gateway.engine.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.cryptomaltese.gateway.engine.ChatMessage;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Reproduces strings rendered by transformers' apply_chat_template (fixtures written by
 * tools/fixtures/chat_templates_golden.py; CI only reads the JSON).
 */
class ChatTemplateGoldenTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void fixtureSetIsPresent() throws Exception {
        assertThat(fixtureFiles()).hasSizeGreaterThanOrEqualTo(13);
    }

    @TestFactory
    Stream<DynamicTest> everyFixtureCaseMatchesTransformers() throws Exception {
        List<DynamicTest> tests = new ArrayList<>();
        for (Path file : fixtureFiles()) {
            JsonNode fixture = JSON.readTree(file.toFile());
            ChatTemplate template = ChatTemplate.of(fixture.get("template").asText(),
                    specialTokens(fixture.get("special_tokens")), clockAt(fixture.get("now").asText()));
            for (JsonNode c : fixture.get("cases")) {
                String name = fixture.get("name").asText() + "/" + c.get("name").asText();
                List<ChatMessage> messages = messages(c.get("messages"));
                boolean addGenerationPrompt = c.get("add_generation_prompt").asBoolean();
                tests.add(DynamicTest.dynamicTest(name, () -> {
                    if (c.has("error")) {
                        assertThatThrownBy(() -> template.render(messages, addGenerationPrompt))
                                .isInstanceOf(ChatTemplateException.class)
                                .hasMessage(c.get("error").asText())
                                .matches(e -> ((ChatTemplateException) e).raisedByTemplate());
                    } else {
                        assertThat(template.render(messages, addGenerationPrompt)).isEqualTo(c.get("expected").asText());
                    }
                }));
            }
        }
        return tests.stream();
    }

    private static List<Path> fixtureFiles() throws IOException, URISyntaxException {
        Path dir = Path.of(ChatTemplateGoldenTest.class.getResource("/fixtures/chat_templates").toURI());
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(p -> p.toString().endsWith(".json")).sorted().toList();
        }
    }

    private static Map<String, String> specialTokens(JsonNode node) {
        Map<String, String> tokens = new LinkedHashMap<>();
        node.fields().forEachRemaining(e -> tokens.put(e.getKey(), e.getValue().asText()));
        return tokens;
    }

    private static List<ChatMessage> messages(JsonNode node) {
        List<ChatMessage> out = new ArrayList<>();
        node.forEach(m -> out.add(new ChatMessage(m.get("role").asText(), m.get("content").asText())));
        return out;
    }

    /** The script froze Python's naive local clock at this wall time; any zone works if used consistently. */
    private static Clock clockAt(String isoLocal) {
        return Clock.fixed(LocalDateTime.parse(isoLocal).toInstant(ZoneOffset.UTC), ZoneOffset.UTC);
    }
}
