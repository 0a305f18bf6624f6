package com.cryptomaltese.gateway.api;

/**
 * A request path as the logs may keep it. The logs outlive an erasure, so what follows
 * {@code /users/{channel}/} (the user id a caller exported or erased) becomes {@code *}: nothing in
 * a log names the user. The rest is kept as sent (still encoded).
 */
public final class LoggedPath {

    private LoggedPath() {
    }

    public static String of(String requestUri) {
        String[] segments = requestUri.split("/", -1);
        for (int i = 0; i + 2 < segments.length; i++) {
            // "users", also with path parameters ("users;x=1") or in another case, as the server maps it
            String name = segments[i].split(";", 2)[0];
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
}
