package com.cryptomaltese.gateway.security;

import java.io.IOException;
import java.util.Collections;
import java.util.Enumeration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

import com.cryptomaltese.gateway.api.ApiJson;
import com.cryptomaltese.gateway.api.ErrorBody;
import com.cryptomaltese.gateway.api.LoggedPath;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Admits requests to {@code /api/v1} by key. Health and the OpenAPI document are open; admin
 * operations need an admin key; everything else an API or admin key. Past this filter the key
 * headers (and a client's forwarded-host headers) are gone from the request, so no route, log or
 * error message can ever see a key: the routes get the caller's fingerprint in {@link Caller#HEADER} instead.
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE + 10)
class ApiKeyFilter extends OncePerRequestFilter {

    /**
     * Hidden from everything past this filter: the keys, a forged caller, and the forwarded-host
     * headers, which Camel would build the OpenAPI document's server URL from (any client could name
     * another host for Swagger UI to send keys to; Tomcat's RemoteIpValve has already applied what a
     * trusted proxy forwarded: the client address and scheme).
     */
    private static final Set<String> HIDDEN_HEADERS = Set.of("x-api-key", "authorization", Caller.HEADER.toLowerCase(),
            "x-forwarded-host", "x-forwarded-proto", "x-forwarded-prefix", "x-forwarded-port", "forwarded");

    private static final Logger audit = LoggerFactory.getLogger("audit");

    private final ApiKeys keys;
    private final ApiJson json;

    ApiKeyFilter(ApiKeys keys, ApiJson json) {
        this.keys = keys;
        this.json = json;
    }

    @Override
    protected boolean shouldNotFilter(HttpServletRequest request) {
        return ApiPath.of(request).access() == ApiPath.Access.NONE;
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        ApiPath path = ApiPath.of(request);
        if (path.access() == ApiPath.Access.INVALID) {
            refuse(response, 400, "invalid request path: dot segments are not allowed");
            return;
        }
        Optional<String> presented = presentedKey(request);
        Optional<Caller> caller = presented.flatMap(keys::identify);
        caller.ifPresent(c -> request.setAttribute(Caller.ATTRIBUTE, c));
        if (path.access() != ApiPath.Access.PUBLIC) {
            if (presented.isEmpty()) {
                refuse(response, 401, keys.anyConfigured()
                        ? "missing API key: send it as X-API-Key or Authorization: Bearer"
                        : "no API keys are configured on this gateway (set GATEWAY_API_KEYS)");
                return;
            }
            if (caller.isEmpty()) {
                auditRefusal(request, path, "unknown-key", 401);
                refuse(response, 401, "unknown API key");
                return;
            }
            if (path.access() == ApiPath.Access.ADMIN && !caller.get().admin()) {
                auditRefusal(request, path, caller.get().fingerprint(), 403);
                refuse(response, 403, "this operation needs an admin key");
                return;
            }
        }
        chain.doFilter(new KeylessRequest(request, caller.map(Caller::fingerprint).orElse("anonymous")), response);
    }

    /**
     * An admin operation refused to a key (an unknown one, or a user key) is an audit event, as the
     * operations it guards are: who tried what. The path is the request's, as sent (still encoded),
     * without a user id.
     */
    private static void auditRefusal(HttpServletRequest request, ApiPath path, String caller, int status) {
        if (path.access() == ApiPath.Access.ADMIN) {
            audit.info("{} {} {} refused {}", caller, request.getMethod(), LoggedPath.of(request.getRequestURI()), status);
        }
    }

    private static Optional<String> presentedKey(HttpServletRequest request) {
        String header = request.getHeader("X-API-Key");
        if (header != null && !header.isBlank()) {
            return Optional.of(header.trim());
        }
        String authorization = request.getHeader("Authorization");
        if (authorization != null && authorization.regionMatches(true, 0, "Bearer ", 0, 7)
                && !authorization.substring(7).isBlank()) {
            return Optional.of(authorization.substring(7).trim());
        }
        return Optional.empty();
    }

    private void refuse(HttpServletResponse response, int status, String message) throws IOException {
        response.setStatus(status);
        response.setContentType("application/json");
        if (status == 401) {
            response.setHeader("WWW-Authenticate", "Bearer");
        }
        response.getOutputStream().write(json.write(ErrorBody.of(message, List.of())));
    }

    /** The request as routes see it: without key headers, with the caller's fingerprint. */
    private static final class KeylessRequest extends HttpServletRequestWrapper {

        private final String fingerprint;

        KeylessRequest(HttpServletRequest request, String fingerprint) {
            super(request);
            this.fingerprint = fingerprint;
        }

        @Override
        public String getHeader(String name) {
            if (Caller.HEADER.equalsIgnoreCase(name)) {
                return fingerprint;
            }
            return HIDDEN_HEADERS.contains(name.toLowerCase()) ? null : super.getHeader(name);
        }

        @Override
        public Enumeration<String> getHeaders(String name) {
            String value = getHeader(name);
            if (Caller.HEADER.equalsIgnoreCase(name) || HIDDEN_HEADERS.contains(name.toLowerCase())) {
                return Collections.enumeration(value == null ? List.of() : List.of(value));
            }
            return super.getHeaders(name);
        }

        @Override
        public Enumeration<String> getHeaderNames() {
            Set<String> names = new TreeSet<>(String.CASE_INSENSITIVE_ORDER);
            for (Enumeration<String> e = super.getHeaderNames(); e.hasMoreElements(); ) {
                String name = e.nextElement();
                if (!HIDDEN_HEADERS.contains(name.toLowerCase())) {
                    names.add(name);
                }
            }
            names.add(Caller.HEADER);
            return Collections.enumeration(names);
        }
    }
}
