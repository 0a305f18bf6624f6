package com.cryptomaltese.gateway.channel;

import java.util.Locale;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * Mail the gateway must never answer, because answering could start a loop between two robots or
 * write to a crowd: auto-replies (RFC 3834 Auto-Submitted, Precedence bulk/list/junk, X-Autoreply
 * and friends), bounces and reports (a null Return-Path, multipart/report), mailing-list traffic
 * (List-Id, List-Post, List-Unsubscribe) and senders that are machines (mailer-daemon, postmaster,
 * no-reply addresses).
 */
public final class AutoReplies {

    private static final Pattern MACHINE_SENDER = Pattern.compile(
            "^(mailer-daemon|postmaster|no[-_.]?reply|do[-_.]?not[-_.]?reply|bounces?)([+-].*)?@.*",
            Pattern.CASE_INSENSITIVE);

    private AutoReplies() {
    }

    /**
     * Why a mail with these headers is automatic, or null when a person seems to have written it.
     *
     * @param header the first value of a header by name, or null
     */
    public static String automatic(Function<String, String> header) {
        String autoSubmitted = header.apply("Auto-Submitted");
        if (autoSubmitted != null && !autoSubmitted.strip().toLowerCase(Locale.ROOT).startsWith("no")) {
            return "Auto-Submitted: " + autoSubmitted.strip();
        }
        String precedence = header.apply("Precedence");
        if (precedence != null && precedence.strip().toLowerCase(Locale.ROOT).matches("bulk|list|junk|auto_reply")) {
            return "Precedence: " + precedence.strip();
        }
        for (String name : new String[] {"X-Autoreply", "X-Autorespond", "X-Auto-Response-Suppress"}) {
            String value = header.apply(name);
            if (value != null && !value.isBlank() && !"no".equalsIgnoreCase(value.strip())) {
                return name + ": " + value.strip();
            }
        }
        // RFC 3834 2: never answer a mail whose envelope sender is null (bounces, reports).
        String returnPath = header.apply("Return-Path");
        if (returnPath != null && returnPath.replaceAll("\\s", "").equals("<>")) {
            return "Return-Path: <>";
        }
        String contentType = header.apply("Content-Type");
        if (contentType != null && contentType.strip().toLowerCase(Locale.ROOT).startsWith("multipart/report")) {
            return "Content-Type: multipart/report";
        }
        // Mailing-list traffic (RFC 2369, 2919), which lists mark this way even without Precedence: list.
        for (String name : new String[] {"List-Id", "List-Post", "List-Unsubscribe"}) {
            String value = header.apply(name);
            if (value != null && !value.isBlank()) {
                return name + ": " + value.strip();
            }
        }
        return null;
    }

    /** Whether the address belongs to a machine that does not read replies. */
    public static boolean machineSender(String address) {
        return address != null && MACHINE_SENDER.matcher(address.strip()).matches();
    }
}
