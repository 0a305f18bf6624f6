package com.cryptomaltese.gateway.channel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;

/**
 * The allowlists as environment variables bind them: empty elements (a trailing comma, a blank value)
 * are no entries. An empty Long element bound as null and stopped the whole gateway at start-up,
 * even with Telegram off.
 */
class ChannelSettingsBindingTest {

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {"1001,1002,|2", "1001,,1002|2", "' '|0", "''|0", "1001|1"})
    void emptyTelegramUserIdsAreNoEntries(String value, int entries) {
        TelegramSettings settings = bind("gateway.telegram", Map.of("gateway.telegram.allowed-users", value),
                TelegramSettings.class);
        assertThat(settings.allowedUsers()).hasSize(entries).doesNotContainNull();
        new TelegramBot(settings, null, null); // what start-up builds
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {"a@example.com,,b@example.com|true|false", "' '|true|true",
            "b@example.com,|false|false"})
    void emptyMailSendersAreNoEntries(String value, boolean allowsA, boolean allowsC) {
        MailSettings settings = bind("gateway.mail", Map.of("gateway.mail.allowed-senders", value), MailSettings.class);
        SenderAllowlist allowlist = new SenderAllowlist(settings.allowedSenders());
        assertThat(allowlist.allows("a@example.com")).isEqualTo(allowsA);
        assertThat(allowlist.allows("b@example.com")).isTrue();
        assertThat(allowlist.allows("c@example.com")).isEqualTo(allowsC);
    }

    /** The channel needs an address of its own (From of replies, its own mail never answered): a start without one stops. */
    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {"bot@example.com|''|bot@example.com", "bot|gateway@example.com|gateway@example.com",
            "bot|''|"})
    void theMailChannelHasAnAddressOfItsOwnOrDoesNotStart(String username, String address, String own) {
        Map<String, String> values = Map.of("gateway.mail.imap-uri", "imaps://imap.example.com",
                "gateway.mail.smtp-uri", "smtps://smtp.example.com", "gateway.mail.username", username,
                "gateway.mail.address", address);
        if (own != null) {
            assertThat(bind("gateway.mail", values, MailSettings.class).ownAddress()).isEqualTo(own);
        } else {
            assertThatThrownBy(() -> bind("gateway.mail", values, MailSettings.class))
                    .hasRootCauseMessage("the mail channel needs its own address: set GATEWAY_MAIL_ADDRESS "
                            + "(gateway.mail.address), or log in with an e-mail address as GATEWAY_MAIL_USERNAME");
        }
        // Without the servers the channel is off, and needs no address.
        assertThat(bind("gateway.mail", Map.of("gateway.mail.username", username), MailSettings.class).enabled()).isFalse();
    }

    private static <T> T bind(String prefix, Map<String, String> values, Class<T> type) {
        return new Binder(new MapConfigurationPropertySource(values)).bindOrCreate(prefix, type);
    }
}
