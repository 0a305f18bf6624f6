package com.cryptomaltese.gateway.security;

/**
 * Who made a request: the fingerprint of the key used (never the key) and whether it is an admin
 * key. The filter hands the fingerprint to the routes as the {@value #HEADER} header.
 */
public record Caller(String fingerprint, boolean admin) {

    public static final String HEADER = "X-Gateway-Caller";

    /** Request attribute holding the {@link Caller}, for the access log. */
    public static final String ATTRIBUTE = Caller.class.getName();
}
