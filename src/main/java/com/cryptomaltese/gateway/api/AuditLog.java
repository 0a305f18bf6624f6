package com.cryptomaltese.gateway.api;

import com.cryptomaltese.gateway.security.Caller;
import org.apache.camel.Exchange;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * One line in {@code audit.log} per admin operation, model load/unload and parameter change: who
 * (key fingerprint, or {@code schedule} for a scheduled job), which operation, on what, and the
 * outcome. Called by the REST routes after the operation, by the shared error handler when it
 * failed, and by scheduled jobs that delete what the admin operations delete.
 */
@Component
public class AuditLog {

    /** Exchange property marking a route as audited; its value names what it acted on. */
    static final String TARGET = "gateway.audit.target";

    private static final Logger audit = LoggerFactory.getLogger("audit");

    /** Exchange property naming a success's outcome when it is not plain "ok" ({@code partial}). */
    static final String OUTCOME = "gateway.audit.outcome";

    void succeeded(Exchange exchange) {
        write(exchange, exchange.getProperty(OUTCOME, "ok", String.class));
    }

    void failed(Exchange exchange, int status) {
        write(exchange, "failed " + status);
    }

    /** A scheduled job's line: {@code schedule} as the caller, no target. */
    public void scheduled(String operation, String outcome) {
        audit.info("schedule {} - {}", operation, outcome);
    }

    private static void write(Exchange exchange, String outcome) {
        String caller = exchange.getMessage().getHeader(Caller.HEADER, "-", String.class);
        Object target = exchange.getProperty(TARGET);
        audit.info("{} {} {} {}", caller, exchange.getFromRouteId(), target == null ? "-" : target, outcome);
    }
}
