package com.cryptomaltese.gateway.hub;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import javax.net.ssl.SSLContext;

import com.cryptomaltese.gateway.GatewayProperties;
import com.cryptomaltese.gateway.TestData;
import com.cryptomaltese.gateway.api.ApiException;
import com.cryptomaltese.gateway.model.ModelId;
import com.cryptomaltese.gateway.model.ModelRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.ssl.SslAutoConfiguration;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.core.env.SystemEnvironmentPropertySource;
import org.springframework.util.unit.DataSize;

/**
 * Downloads over TLS, as from the real Hub and its CDN: certificates are checked at both hosts, a
 * refused one fails at once (no retries) with a reason a person can act on, and an operator trusts a
 * mirror's private CA through a Spring Boot SSL bundle named in {@code gateway.hub.ssl-bundle}.
 */
class HubTlsTest {

    static final Path LLAMA = HubDownloadTest.LLAMA;
    static final String COMMIT = HubDownloadTest.COMMIT;
    static final ModelId ID = HubDownloadTest.ID;
    static final Path KEYS = Path.of("target/test-data/hub-tls/keys").toAbsolutePath();

    /** Valid for the loopback address the fake servers listen on. */
    static TestCertificate loopback;
    /** Trusted by the client in one test, but names another host. */
    static TestCertificate otherHost;

    FakeHub hub;
    Path models;

    @BeforeAll
    static void certificates() throws Exception {
        loopback = TestCertificate.make(KEYS, "loopback", "dns:localhost,ip:127.0.0.1");
        otherHost = TestCertificate.make(KEYS, "other-host", "dns:hub.example");
    }

    @BeforeEach
    void setUp(TestInfo info) {
        models = TestData.freshDataDir("target/test-data/hub-tls/" + info.getTestMethod().orElseThrow().getName())
                .resolve("models");
    }

    @AfterEach
    void tearDown() {
        if (hub != null) {
            hub.close();
        }
    }

    HubProperties settings(String sslBundle) {
        return new HubProperties(hub.endpoint(), null, 2, 3, Duration.ofMillis(5), Duration.ofMillis(50),
                Duration.ofSeconds(5), Duration.ofSeconds(10), DataSize.ofKilobytes(1), sslBundle, null);
    }

    DownloadManager manager(SSLContext clientTls) {
        return new DownloadManager(settings(null), models, id -> false, clientTls);
    }

    Path snapshotFile(String name) {
        return ID.cacheFolderIn(models).resolve("snapshots").resolve(COMMIT).resolve(name);
    }

    @Test
    void aModelComesOverTlsFromTheHubAndItsCdnWithTheTokenOnlyAtTheHub() throws Exception {
        hub = new FakeHub(loopback.serverContext(), loopback.serverContext());
        hub.addFolder("fixtures/llama", COMMIT, LLAMA, "hf_tls_token");
        assertThat(hub.endpoint()).startsWith("https://127.0.0.1:");
        DownloadManager manager = manager(loopback.trustingContext());
        try {
            manager.start(ID, null, null, null, "hf_tls_token");
            DownloadProgress done = HubDownloadTest.await(manager, ID);
            assertThat(done.status()).as(String.valueOf(done.error())).isEqualTo("completed");
            for (String name : new String[] {HubDownloadTest.WEIGHTS, "config.json", "tokenizer.json"}) {
                assertThat(Files.readAllBytes(snapshotFile(name))).isEqualTo(Files.readAllBytes(LLAMA.resolve(name)));
            }
            assertThat(hub.count("cdn GET")).isPositive();
            assertThat(hub.hubAuthorizations).isNotEmpty().allMatch(a -> a.equals("Bearer hf_tls_token"));
            assertThat(hub.cdnAuthorizations).isNotEmpty().allMatch(a -> a.equals("-"));
        } finally {
            manager.shutdown();
        }
    }

    @Test
    void anUntrustedHubCertificateFailsAtOnceNamingTheSetting() throws Exception {
        hub = new FakeHub(loopback.serverContext(), loopback.serverContext());
        hub.addFolder("fixtures/llama", COMMIT, LLAMA, null);
        // The JVM's trust store: cacerts knows nothing of a self-signed loopback certificate.
        DownloadManager manager = new DownloadManager(settings(null), models, id -> false);
        try {
            assertThatThrownBy(() -> manager.start(ID, null, null, null, null))
                    .isInstanceOfSatisfying(ApiException.class, e -> {
                        assertThat(e.status()).isEqualTo(502);
                        assertThat(e.getMessage())
                                .startsWith("the TLS certificate of " + hub.endpoint() + " was refused for the file list")
                                .contains("unable to find valid certification path")
                                .contains("GATEWAY_HUB_SSL_BUNDLE")
                                .doesNotContain("gave up after");
                    });
            // Three attempts are allowed for network trouble; a certificate is refused the same every time.
            assertThat(hub.tlsConnections(false)).isEqualTo(1);
            assertThat(hub.requests).isEmpty();
            assertThat(manager.progress(ID).orElseThrow().status()).isEqualTo("error");
            assertThat(ID.cacheFolderIn(models).resolve("snapshots")).doesNotExist();
        } finally {
            manager.shutdown();
        }
    }

    @Test
    void aTrustedCertificateForAnotherHostIsRefused() throws Exception {
        hub = new FakeHub(otherHost.serverContext(), otherHost.serverContext());
        hub.addFolder("fixtures/llama", COMMIT, LLAMA, null);
        DownloadManager manager = manager(otherHost.trustingContext());
        try {
            assertThatThrownBy(() -> manager.start(ID, null, null, null, null))
                    .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.getMessage())
                            .startsWith("the TLS certificate of " + hub.endpoint() + " was refused")
                            .contains("subject alternative names matching IP address 127.0.0.1"));
            assertThat(hub.tlsConnections(false)).isEqualTo(1);
            assertThat(hub.requests).isEmpty();
        } finally {
            manager.shutdown();
        }
    }

    @Test
    void theRedirectHostsCertificateIsCheckedToo() throws Exception {
        // The Hub is trusted, the CDN it redirects LFS files to is not.
        hub = new FakeHub(loopback.serverContext(), otherHost.serverContext());
        hub.addFolder("fixtures/llama", COMMIT, LLAMA, null);
        DownloadManager manager = manager(loopback.trustingContext());
        try {
            manager.start(ID, null, null, null, null);
            DownloadProgress failed = HubDownloadTest.await(manager, ID);
            assertThat(failed.status()).isEqualTo("error");
            assertThat(failed.error()).contains("the TLS certificate of https://127.0.0.1:")
                    .contains("was refused for " + HubDownloadTest.WEIGHTS).doesNotContain("gave up after");
            assertThat(hub.tlsConnections(true)).isEqualTo(1);
            assertThat(hub.count("cdn")).isZero();
            assertThat(ID.cacheFolderIn(models).resolve("snapshots")).doesNotExist();
            assertThat(ID.cacheFolderIn(models).resolve("refs/main")).doesNotExist();
        } finally {
            manager.shutdown();
        }
    }

    // ---- the operator's way: a PEM file in a Spring Boot SSL bundle ----

    @Configuration(proxyBeanMethods = false)
    @EnableConfigurationProperties({GatewayProperties.class, HubProperties.class})
    @Import({ModelRegistry.class, DownloadManager.class})
    static class Downloads {
    }

    ApplicationContextRunner gateway(String... properties) {
        return new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(SslAutoConfiguration.class))
                .withUserConfiguration(Downloads.class)
                .withPropertyValues("gateway.data-dir=" + models.getParent(), "gateway.hub.endpoint=" + hub.endpoint(),
                        "gateway.hub.disk-margin=1KB")
                .withPropertyValues(properties);
    }

    @Test
    void aMirrorsPrivateCaIsTrustedThroughTheNamedSslBundle() throws Exception {
        hub = new FakeHub(loopback.serverContext(), loopback.serverContext());
        hub.addFolder("fixtures/llama", COMMIT, LLAMA, null);
        // As the README tells operators: the bundle from the environment, named in gateway.hub.ssl-bundle.
        Map<String, Object> env = Map.of("SPRING_SSL_BUNDLE_PEM_HUBMIRROR_TRUSTSTORE_CERTIFICATE", "file:" + loopback.pem());
        gateway("gateway.hub.ssl-bundle=hubmirror")
                .withInitializer(context -> context.getEnvironment().getPropertySources()
                        // Spring maps env names (SPRING_SSL_… -> spring.ssl.…) for sources named so.
                        .addFirst(new SystemEnvironmentPropertySource("operator-systemEnvironment", env)))
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    DownloadManager manager = context.getBean(DownloadManager.class);
                    manager.start(ID, null, null, null, null);
                    DownloadProgress done = HubDownloadTest.await(manager, ID);
                    assertThat(done.status()).as(String.valueOf(done.error())).isEqualTo("completed");
                    assertThat(Files.readAllBytes(snapshotFile(HubDownloadTest.WEIGHTS)))
                            .isEqualTo(Files.readAllBytes(LLAMA.resolve(HubDownloadTest.WEIGHTS)));
                });
    }

    @Test
    void withoutTheBundleTheSameMirrorIsRefused() throws Exception {
        hub = new FakeHub(loopback.serverContext(), loopback.serverContext());
        hub.addFolder("fixtures/llama", COMMIT, LLAMA, null);
        gateway().run(context -> assertThatThrownBy(
                () -> context.getBean(DownloadManager.class).start(ID, null, null, null, null))
                .hasMessageContaining("the TLS certificate of " + hub.endpoint() + " was refused"));
    }

    @Test
    void anUnknownBundleNameStopsTheStartUp() throws Exception {
        hub = new FakeHub();
        gateway("gateway.hub.ssl-bundle=no-such-bundle").run(context -> assertThat(context).hasFailed()
                .getFailure().rootCause().hasMessageContaining("no-such-bundle"));
    }
}
