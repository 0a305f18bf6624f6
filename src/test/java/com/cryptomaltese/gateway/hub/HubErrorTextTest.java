package com.cryptomaltese.gateway.hub;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** A Hub's (or a mirror's) error text reaches the logs and the API: no character of it may start a line or hide text. */
class HubErrorTextTest {

    @ParameterizedTest
    @ValueSource(strings = {"\r\n", "\u0085", "\u2028", "\u2029", "\u001b[31m", "\u202e", "\u0000"})
    void linesBreaksEscapesAndBidiOverridesBecomeSpaces(String hidden) {
        String shown = HubClient.printable("Repository not found" + hidden + "FORGED");
        assertThat(shown).startsWith("Repository not found").endsWith("FORGED")
                .matches("[\\p{Print}&&[^\\p{Cntrl}]]*");
    }

    @ValueSource(strings = "x")
    @ParameterizedTest
    void longTextIsCutShort(String letter) {
        assertThat(HubClient.printable(letter.repeat(500))).hasSize(201).endsWith("…");
    }

    /** Cut after 200 characters, not 200 UTF-16 units: an emoji there stays whole. */
    @ValueSource(strings = "\uD83D\uDE00")
    @ParameterizedTest
    void theCutNeverSplitsACharacter(String emoji) {
        assertThat(HubClient.printable("A".repeat(199) + emoji + "tail")).isEqualTo("A".repeat(199) + emoji + "…");
    }
}
