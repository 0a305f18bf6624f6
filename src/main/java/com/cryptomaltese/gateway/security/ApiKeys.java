package com.cryptomaltese.gateway.security;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

import com.cryptomaltese.gateway.GatewayProperties;
import org.springframework.stereotype.Component;

/**
 * The configured API and admin keys. Only SHA-256 digests are kept; a presented key is digested
 * and compared against every configured digest with {@link MessageDigest#isEqual}, without an
 * early exit, so the time taken says nothing about which key (or how much of one) matched.
 */
@Component
public class ApiKeys {

    private record Known(byte[] digest, Caller caller) {
    }

    private final List<Known> known = new ArrayList<>();

    ApiKeys(GatewayProperties properties) {
        properties.security().adminKeys().forEach(key -> add(key, true));
        properties.security().apiKeys().forEach(key -> add(key, false));
    }

    private void add(String key, boolean admin) {
        String trimmed = key.trim();
        if (trimmed.isEmpty()) {
            return;
        }
        byte[] digest = sha256(trimmed);
        known.add(new Known(digest, new Caller(fingerprint(digest), admin)));
    }

    public boolean anyConfigured() {
        return !known.isEmpty();
    }

    /** The caller a key belongs to; a key listed as both admin and user key counts as admin. */
    public Optional<Caller> identify(String presented) {
        byte[] digest = sha256(presented);
        Caller match = null;
        for (Known candidate : known) {
            if (MessageDigest.isEqual(candidate.digest(), digest) && (match == null || candidate.caller().admin())) {
                match = candidate.caller();
            }
        }
        return Optional.ofNullable(match);
    }

    /** A short, stable, non-reversible name for a key, fit for logs and the parameter history. */
    static String fingerprint(byte[] digest) {
        return "key:" + HexFormat.of().formatHex(digest, 0, 6);
    }

    private static byte[] sha256(String key) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }
}
