package com.cryptomaltese.gateway.api;

import java.nio.charset.StandardCharsets;

import org.springframework.web.util.UriUtils;

/**
 * A request path as the logs may keep it. The logs outlive an erasure, so what follows
 * {@code /users/{channel}/} (the user id a caller exported or erased) becomes {@code *}: nothing in
 * a log names the user. The rest is kept as sent (still encoded), up to {@value #MAX_LENGTH}
 * characters: anyone, without a key, can send paths of 8 KB, and the logs are kept for days.
 */
public final class LoggedPath {

    static final int MAX_LENGTH = 512;

    private LoggedPath() {
    }

    public static String of(String requestUri) {
        String path = withoutUser(requestUri);
        return path.length() > MAX_LENGTH ? path.substring(0, MAX_LENGTH) + "…" : path;
    }

    private static String withoutUser(String requestUri) {
        String[] segments = requestUri.split("/", -1);
        for (int i = 0; i + 2 < segments.length; i++) {
            // "users" as the server maps it: with path parameters ("users;x=1"), encoded ("%75sers"),
            // in another case
            String name = decoded(segments[i].split(";", 2)[0]);
            if (name.equalsIgnoreCase("users")) {
                StringBuilder kept = new StringBuilder();
                for (int j = 0; j <= i + 1; j++) {
                    kept.append(segments[j]).append('/');
                }
                return kept.append('*').toString();
            }
        }
        return requestUri;
    }

    private static String decoded(String segment) {
        try {
            return UriUtils.decode(segment, StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return segment; // not valid percent-encoding: the server refused it as it is
        }
    }
}
