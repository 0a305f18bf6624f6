package com.cryptomaltese.gateway.channel;

import static org.assertj.core.api.Assertions.assertThat;

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

    private static <T> T bind(String prefix, Map<String, String> values, Class<T> type) {
        return new Binder(new MapConfigurationPropertySource(values)).bindOrCreate(prefix, type);
    }
}
