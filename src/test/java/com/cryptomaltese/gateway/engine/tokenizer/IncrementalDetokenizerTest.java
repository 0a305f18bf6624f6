package com.cryptomaltese.gateway.engine.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class IncrementalDetokenizerTest {

    private static HfTokenizer tokenizer;

    @BeforeAll
    static void load() throws IOException {
        tokenizer = HfTokenizer.load(HfTokenizerTest.STORIES);
    }

    @AfterAll
    static void close() {
        tokenizer.close();
    }

    @Test
    void streamedPiecesAddUpToTheFullDecodeWithSpacesKept() {
        int[] ids = tokenizer.encode("Once upon a time, there was a little cat.", true);
        List<String> pieces = stream(ids);
        assertThat(String.join("", pieces)).isEqualTo(tokenizer.decode(ids, true));
        assertThat(pieces).contains(" upon"); // per-token decode would lose this leading space
    }

    @Test
    void partialUtf8FromByteFallbackIsHeldBackUntilTheCharacterIsComplete() {
        int[] ids = tokenizer.encode("A 😀 and 中文.", false);
        List<String> pieces = stream(ids);
        assertThat(String.join("", pieces)).isEqualTo("A 😀 and 中文.");
        assertThat(pieces).noneMatch(p -> p.contains("\uFFFD"));
        assertThat(pieces).contains(""); // the emoji's first bytes produced no text yet
    }

    private static List<String> stream(int[] ids) {
        IncrementalDetokenizer detokenizer = new IncrementalDetokenizer(tokenizer, true);
        List<String> pieces = new ArrayList<>();
        for (int id : ids) {
            pieces.add(detokenizer.next(id));
        }
        pieces.add(detokenizer.flush());
        return pieces;
    }
}
