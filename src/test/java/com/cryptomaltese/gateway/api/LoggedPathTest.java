package com.cryptomaltese.gateway.api;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class LoggedPathTest {

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "/api/v1/users/api/alice|/api/v1/users/api/*",
        "/api/v1/users/mail/dave%40example.com|/api/v1/users/mail/*",
        "/api/v1/users/telegram/123/extra|/api/v1/users/telegram/*",
        "/api/v1/users;x=1/api/alice|/api/v1/users;x=1/api/*",
        "/API/V1/USERS/api/alice|/API/V1/USERS/api/*",
        "/api/v1/%75sers/api/alice|/api/v1/%75sers/api/*",
        "/api/v1/%75sers;x/api/alice|/api/v1/%75sers;x/api/*",
        "/api/v1/users/api/|/api/v1/users/api/*",
        // nothing to hide: no user id in the path
        "/api/v1/users/api|/api/v1/users/api",
        "/api/v1/models/org%2Fname/load|/api/v1/models/org%2Fname/load",
        "/api/v1/health|/api/v1/health",
    })
    void aUserIdNeverReachesTheLogs(String path, String logged) {
        assertThat(LoggedPath.of(path)).isEqualTo(logged);
    }

    /** Anyone can send an 8 KB path; a log line keeps the first 512 characters of it. */
    @Test
    void aLongPathIsCutShort() {
        String path = "/api/v1/" + "x".repeat(8000);
        assertThat(LoggedPath.of(path)).isEqualTo(path.substring(0, 512) + "…");
        String exactly = "/" + "y".repeat(511);
        assertThat(LoggedPath.of(exactly)).isEqualTo(exactly);
    }
}
