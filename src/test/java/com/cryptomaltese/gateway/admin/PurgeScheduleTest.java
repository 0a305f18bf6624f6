package com.cryptomaltese.gateway.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;

import com.cryptomaltese.gateway.TestApi;
import com.cryptomaltese.gateway.TestData;
import com.fasterxml.jackson.databind.JsonNode;
import org.apache.camel.CamelContext;
import org.apache.camel.Route;
import org.apache.camel.component.quartz.QuartzEndpoint;
import org.apache.camel.test.spring.junit5.CamelSpringBootTest;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.annotation.DirtiesContext;

/**
 * The scheduled log purge of routes/schedules.yaml, with its cron turned to every second: the
 * Quartz route must exist, run, and apply the configured defaults (here 1 day, nothing kept by
 * count) to the real log folder, deleting the old archive only.
 */
@CamelSpringBootTest
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "gateway.data-dir=" + PurgeScheduleTest.DATA_DIR_NAME,
        "gateway.security.api-keys=" + TestApi.USER_KEY,
        "gateway.security.admin-keys=" + TestApi.ADMIN_KEY,
        "gateway.logs.purge-cron=* * * * * ?",
        "gateway.logs.purge-older-than-days=1",
        "gateway.logs.purge-keep-latest-files=0"})
// Nobody else uses this context, and its every-second job should stop with this class.
@DirtiesContext(classMode = DirtiesContext.ClassMode.AFTER_CLASS)
class PurgeScheduleTest {

    static final String DATA_DIR_NAME = "target/test-data/schedule";
    static final Path DATA_DIR = TestData.freshDataDir(DATA_DIR_NAME);

    private static final String ROUTE_ID = "purge-logs-daily";
    private static final List<String> ACTIVE_LOGS =
            List.of("error.log", "warn.log", "info.log", "debug.log", "access.log", "audit.log");

    @Autowired
    CamelContext camel;

    @LocalServerPort
    int port;

    @Test
    void theQuartzRouteExistsWithTheConfiguredCronAndIsStarted() {
        Route route = camel.getRoute(ROUTE_ID);
        assertThat(route).as("route " + ROUTE_ID).isNotNull();
        assertThat(camel.getRouteController().getRouteStatus(ROUTE_ID).isStarted()).isTrue();
        assertThat(route.getEndpoint()).isInstanceOf(QuartzEndpoint.class);
        assertThat(((QuartzEndpoint) route.getEndpoint()).getCron()).isEqualTo("* * * * * ?");
    }

    @Test
    void theScheduledPurgeDeletesOnlyArchivesOlderThanTheConfiguredAge() throws IOException {
        Path logs = DATA_DIR.resolve("logs");
        // The recent archive first: by the time the old one is gone, a run has seen (and kept) both.
        Path recent = archive(logs.resolve("info.2020-01-02.0.log.gz"), 200, Instant.now().minus(1, ChronoUnit.HOURS));
        Path old = archive(logs.resolve("info.2020-01-01.0.log.gz"), 100, Instant.now().minus(30, ChronoUnit.DAYS));

        await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> assertThat(old).doesNotExist());

        assertThat(recent).exists().hasSize(200);
        ACTIVE_LOGS.forEach(name -> assertThat(logs.resolve(name)).isRegularFile());
        // The run was recorded as the schedule's, not a caller's.
        JsonNode last = new TestApi(port).get("/api/v1/admin/system-status", TestApi.ADMIN_KEY).json()
                .path("last_cleanup");
        assertThat(last.path("kind").asText()).isEqualTo("purge-logs");
        assertThat(last.path("triggered_by").asText()).isEqualTo("schedule");
        // Audited as a caller's purge is: it deletes audit archives too.
        assertThat(Files.readString(logs.resolve("audit.log"))).contains("schedule purgeLogs - ok");
    }

    /** A rolled log file of {@code size} bytes, last written at {@code modified}. */
    private static Path archive(Path file, int size, Instant modified) throws IOException {
        Files.createDirectories(file.getParent());
        Files.write(file, new byte[size]);
        Files.setLastModifiedTime(file, FileTime.from(modified));
        return file;
    }
}
