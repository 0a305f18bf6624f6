package com.cryptomaltese.gateway.admin;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.cryptomaltese.gateway.GatewayProperties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Settings the start-up refuses, as a request with the same values is refused: a negative purge default
 * made the scheduled purge delete every archive, and inverted thresholds rated a half-full disk critical.
 */
class MaintenanceSettingsTest {

    @ParameterizedTest(name = "older than {0} days, keep {1}")
    @CsvSource({"-1, 7", "14, -1"})
    void negativePurgeDefaultsAreRefused(int olderThanDays, int keepLatestFiles) {
        assertThatThrownBy(() -> new GatewayProperties.Logs(olderThanDays, keepLatestFiles))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("must be 0 or more");
    }

    @ParameterizedTest(name = "warning {0}, critical {1}")
    @CsvSource({"99, 50", "-1, 95", "80, 101"})
    void statusThresholdsOutOfOrderAreRefused(int warning, int critical) {
        assertThatThrownBy(() -> new GatewayProperties.Status(warning, critical))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("warning-percent <= critical-percent");
    }

    @Test
    void theDefaultThresholdsAreAccepted() {
        new GatewayProperties.Status(80, 95);
    }
}
