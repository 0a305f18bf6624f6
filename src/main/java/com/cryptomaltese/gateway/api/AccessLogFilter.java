package com.cryptomaltese.gateway.api;

import java.io.IOException;
import java.util.regex.Pattern;

import com.cryptomaltese.gateway.security.Caller;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * One line per request into {@code access.log}: client, method, path, status, latency and the
 * caller's key fingerprint. Never bodies, query strings or keys: chat text stays out of the logs;
 * nor user ids ({@link LoggedPath}).
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE)
class AccessLogFilter extends OncePerRequestFilter {

    private static final Logger access = LoggerFactory.getLogger("access");

    private static final String START = AccessLogFilter.class.getName() + ".start";

    /** REST calls complete in an async dispatch (Camel answers with a future): log that one. */
    @Override
    protected boolean shouldNotFilterAsyncDispatch() {
        return false;
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        if (request.getAttribute(START) == null) {
            request.setAttribute(START, System.nanoTime());
        }
        try {
            chain.doFilter(request, response);
        } finally {
            if (!request.isAsyncStarted()) {
                log(request, response, (Long) request.getAttribute(START));
            }
        }
    }

    /**
     * An IPv4 or IPv6 literal (with a zone). What a trusted proxy forwards in X-Forwarded-For is taken as
     * it is (Tomcat's RemoteIpValve checks nothing), so a proxy passing a client's header through would
     * let it write its own access line: anything else is logged as {@code invalid-forwarded-address}.
     */
    private static final Pattern ADDRESS = Pattern.compile("[0-9A-Fa-f:.]{2,45}(%[A-Za-z0-9_.-]{1,32})?");

    private static void log(HttpServletRequest request, HttpServletResponse response, long start) {
        Object caller = request.getAttribute(Caller.ATTRIBUTE);
        String client = request.getRemoteAddr();
        access.info("{} {} {} {} {}ms {}", client != null && ADDRESS.matcher(client).matches() ? client
                        : "invalid-forwarded-address", request.getMethod(), LoggedPath.of(request.getRequestURI()),
                response.getStatus(), (System.nanoTime() - start) / 1_000_000,
                caller instanceof Caller c ? c.fingerprint() : "-");
    }
}
