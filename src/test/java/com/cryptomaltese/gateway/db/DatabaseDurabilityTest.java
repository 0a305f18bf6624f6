package com.cryptomaltese.gateway.db;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.config.YamlPropertiesFactoryBean;
import org.springframework.core.io.ClassPathResource;

/**
 * What a request was answered for survives a crash: rows committed through the datasource URL of
 * application.yml are all there after the JVM that wrote them halted right after the commits.
 */
class DatabaseDurabilityTest {

    @TempDir
    Path dataDir;

    @Test
    void committedRowsSurviveAJvmThatHaltsRightAfterCommitting() throws Exception {
        YamlPropertiesFactoryBean yaml = new YamlPropertiesFactoryBean();
        yaml.setResources(new ClassPathResource("application.yml"));
        Properties properties = yaml.getObject();
        String url = properties.getProperty("spring.datasource.url")
                .replace("${gateway.data-dir}", dataDir.toAbsolutePath().toString());
        assertThat(url).startsWith("jdbc:h2:file:" + dataDir.toAbsolutePath());

        Process child = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), DatabaseCrashChild.class.getName(), url)
                .redirectErrorStream(true).start();
        assertThat(child.waitFor(60, TimeUnit.SECONDS)).isTrue();
        String output = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(output).as(output).contains("committed");

        try (Connection connection = DriverManager.getConnection(url, "sa", "");
             ResultSet rows = connection.createStatement().executeQuery("SELECT COUNT(*) FROM acknowledged")) {
            rows.next();
            assertThat(rows.getInt(1)).isEqualTo(5);
        }
    }
}
