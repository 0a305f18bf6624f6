package com.cryptomaltese.gateway.engine.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The real stories260K tokenizer (BPE, 512 pieces, byte fallback), read in place from the shared models. */
class HfTokenizerTest {

    static final Path STORIES = Path.of("../shared/models/stories260K/hf");

    private static HfTokenizer tokenizer;

    @BeforeAll
    static void load() throws IOException {
        tokenizer = HfTokenizer.load(STORIES);
    }

    @AfterAll
    static void close() {
        tokenizer.close();
    }

    @Test
    void encodesWithAndWithoutTheBosToken() {
        assertThat(tokenizer.encode("Once upon a time", true)).containsExactly(1, 403, 407, 261, 378);
        assertThat(tokenizer.encode("Once upon a time", false)).containsExactly(403, 407, 261, 378);
    }

    @Test
    void decodeRoundTripsAndCanKeepSpecialTokens() {
        int[] ids = tokenizer.encode("Once upon a time, there was a little cat.", true);
        assertThat(tokenizer.decode(ids, true)).isEqualTo("Once upon a time, there was a little cat.");
        assertThat(tokenizer.decode(ids, false)).startsWith("<s>");
    }

    @Test
    void byteFallbackRoundTripsCharactersOutsideTheVocabulary() {
        String text = "Tom said «héllo» 😀 中文";
        assertThat(tokenizer.decode(tokenizer.encode(text, false), true)).isEqualTo(text);
    }

    @Test
    void longInputIsNeitherTruncatedNorPadded() {
        String text = "Once upon a time there was a big dog. ".repeat(80).strip();
        int[] ids = tokenizer.encode(text, true);
        assertThat(ids.length).isGreaterThan(600);
        assertThat(ids[0]).isEqualTo(1);
        assertThat(ids[ids.length - 1]).isNotZero(); // no padding at the end
        assertThat(tokenizer.decode(ids, true)).isEqualTo(text);
    }

    @Test
    void missingTokenizerJsonIsReported(@TempDir Path empty) {
        assertThatThrownBy(() -> HfTokenizer.load(empty)).isInstanceOf(IOException.class).hasMessageContaining("tokenizer.json");
    }

    @Test
    void anEmptyVocabularyIsRefusedAtLoad(@TempDir Path dir) throws IOException {
        ObjectNode json = (ObjectNode) new ObjectMapper().readTree(STORIES.resolve("tokenizer.json").toFile());
        ((ObjectNode) json.get("model")).putObject("vocab");
        ((ObjectNode) json.get("model")).putArray("merges");
        Files.writeString(dir.resolve("tokenizer.json"), json.toString());
        assertThatThrownBy(() -> HfTokenizer.load(dir)).isInstanceOf(IOException.class)
                .hasMessage("tokenizer.json model.vocab is empty: every text would be no tokens");
    }

    /**
     * {@code (a+)+b} over 25 letters exceeds Oniguruma's retry limit, and the tokenizers binding
     * panics and aborts the JVM at that chat; the file is refused at load instead, the path named.
     */
    @Test
    void aPatternThatBacktracksWithoutEndIsRefusedAtLoad(@TempDir Path dir) throws IOException {
        ObjectNode json = (ObjectNode) new ObjectMapper().readTree(STORIES.resolve("tokenizer.json").toFile());
        ObjectNode split = new ObjectMapper().createObjectNode().put("type", "Split").put("behavior", "Isolated")
                .put("invert", false);
        split.putObject("pattern").put("Regex", "\\s+|(a+)+b");
        ArrayNode steps = json.putObject("pre_tokenizer").put("type", "Sequence").putArray("pretokenizers");
        steps.addObject().put("type", "Metaspace").put("replacement", "\u2581").put("prepend_scheme", "first")
                .put("split", false);
        steps.add(split);
        Files.writeString(dir.resolve("tokenizer.json"), json.toString());

        assertThatThrownBy(() -> HfTokenizer.load(dir)).isInstanceOf(IOException.class)
                .hasMessage("tokenizer.json pre_tokenizer.pretokenizers[1].pattern.Regex \"\\\\s+|(a+)+b\" repeats a "
                        + "repetition or a choice, or runs repetitions into a required match ((a+)+): the tokenizers' "
                        + "regular expressions could backtrack on it without end and abort the process");

        split.putObject("pattern").put("Regex", "\\s+|(?:a+b)|a+");
        Files.writeString(dir.resolve("tokenizer.json"), json.toString());
        try (HfTokenizer safe = HfTokenizer.load(dir)) {
            assertThat(safe.decode(safe.encode("a".repeat(40) + "c", false), true)).isEqualTo("a".repeat(40) + "c");
        }
    }
}
