package com.cryptomaltese.gateway.hub;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

/**
 * Settings of Hub downloads ({@code gateway.hub.*}).
 *
 * @param endpoint       Hub base URL ({@code HF_ENDPOINT}), a mirror or a test server
 * @param token          default token ({@code HF_TOKEN}) when a request carries none; never logged or stored
 * @param parallelFiles  file transfers running at once, over all downloads
 * @param maxAttempts    tries per request before a 429, 5xx or dropped connection becomes an error
 * @param initialBackoff wait after the first failed try; doubled each time up to {@code maxBackoff}
 * @param maxBackoff     longest wait between tries (also caps a Hub's Retry-After)
 * @param connectTimeout TCP connect timeout
 * @param readTimeout    a transfer that receives nothing for this long is dropped and retried
 * @param diskMargin     free space that must remain after the download; otherwise 507
 * @param sslBundle      name of a Spring Boot SSL bundle ({@code spring.ssl.bundle.*}) whose trust material
 *                       checks the Hub's certificates and those of its redirect hosts, for a mirror behind a
 *                       private CA; when blank, the JVM's trust store ({@code javax.net.ssl.trustStore} or cacerts)
 * @param answerWithin   longest wait of a download request for the Hub's file list and the disk check, whose
 *                       refusals are its errors; a Hub slower than that (retries, 429s) is waited for in the
 *                       background and the request answers 202 at once
 */
@ConfigurationProperties("gateway.hub")
public record HubProperties(
        @DefaultValue("https://huggingface.co") String endpoint,
        String token,
        @DefaultValue("4") int parallelFiles,
        @DefaultValue("4") int maxAttempts,
        @DefaultValue("500ms") Duration initialBackoff,
        @DefaultValue("30s") Duration maxBackoff,
        @DefaultValue("10s") Duration connectTimeout,
        @DefaultValue("60s") Duration readTimeout,
        @DefaultValue("512MB") DataSize diskMargin,
        String sslBundle,
        @DefaultValue("10s") Duration answerWithin) {

    public HubProperties {
        answerWithin = answerWithin == null ? Duration.ofSeconds(10) : answerWithin;
    }

    @Override
    public String toString() {
        // The token never appears in logs, actuator dumps or error messages.
        return "HubProperties[endpoint=" + endpoint + ", token=" + (token == null || token.isBlank() ? "none" : "***")
                + ", parallelFiles=" + parallelFiles + ", maxAttempts=" + maxAttempts
                + (sslBundle == null || sslBundle.isBlank() ? "" : ", sslBundle=" + sslBundle) + "]";
    }
}
