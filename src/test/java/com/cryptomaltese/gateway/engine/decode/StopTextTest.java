package com.cryptomaltese.gateway.engine.decode;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.junit.jupiter.api.Test;

/** Stop strings as OpenAI defines them: the reply ends before the first one, and none of it is ever handed over. */
class StopTextTest {

    @Test
    void aStopStringSplitAcrossPiecesIsHeldBackThenCutOff() {
        StopText text = new StopText(List.of("\n\nUser:"));
        assertThat(text.add("Hello")).isEqualTo("Hello");
        assertThat(text.add(" there\n")).isEqualTo(" there");
        assertThat(text.add("\nUs")).isEmpty();
        assertThat(text.add("er: what")).isEmpty();
        assertThat(text.stopped()).isTrue();
        assertThat(text.add("more")).isEmpty();
        assertThat(text.finish()).isEmpty();
        assertThat(text.reply()).isEqualTo("Hello there");
    }

    @Test
    void heldBackTextThatDoesNotBecomeAStopIsHandedOverLaterOrAtTheEnd() {
        StopText text = new StopText(List.of("STOP"));
        assertThat(text.add("ST")).isEmpty();
        assertThat(text.add("AR")).isEqualTo("STAR");
        assertThat(text.add("S")).isEmpty();
        assertThat(text.stopped()).isFalse();
        assertThat(text.finish()).isEqualTo("S");
        assertThat(text.reply()).isEqualTo("STARS");
    }

    @Test
    void ofSeveralStopsTheOneBeginningFirstEndsTheReply() {
        StopText text = new StopText(List.of("bcd", "c"));
        assertThat(text.add("ab")).isEqualTo("a");
        assertThat(text.add("cd")).isEmpty();
        assertThat(text.reply()).isEqualTo("a");
        assertThat(text.finish()).isEmpty();
    }

    @Test
    void withoutStopsEveryPieceIsHandedOverAsItComes() {
        StopText text = new StopText(List.of());
        assertThat(text.add("a")).isEqualTo("a");
        assertThat(text.add("b")).isEqualTo("b");
        assertThat(text.finish()).isEmpty();
        assertThat(text.reply()).isEqualTo("ab");
    }
}
