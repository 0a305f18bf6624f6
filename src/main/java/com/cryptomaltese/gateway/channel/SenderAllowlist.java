package com.cryptomaltese.gateway.channel;

import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * Who may write to the mail channel. Entries are addresses ({@code alice@example.com}), domains
 * ({@code example.com} or {@code @example.com}: exactly that domain) or domain patterns
 * ({@code *.example.com}: any subdomain). An empty list lets everybody in.
 */
public final class SenderAllowlist {

    private final List<String> entries;

    public SenderAllowlist(List<String> entries) {
        this.entries = entries == null ? List.of() : entries.stream().filter(Objects::nonNull).map(String::strip).filter(e -> !e.isEmpty())
                .map(e -> e.toLowerCase(Locale.ROOT)).toList();
    }

    public boolean allows(String address) {
        if (entries.isEmpty()) {
            return true;
        }
        if (address == null || address.indexOf('@') < 1) {
            return false;
        }
        String sender = address.strip().toLowerCase(Locale.ROOT);
        String domain = sender.substring(sender.lastIndexOf('@') + 1);
        for (String entry : entries) {
            if (entry.startsWith("*.")) {
                String parent = entry.substring(2);
                if (domain.endsWith("." + parent)) {
                    return true;
                }
            } else if (entry.startsWith("@")) {
                if (domain.equals(entry.substring(1))) {
                    return true;
                }
            } else if (entry.contains("@")) {
                if (sender.equals(entry)) {
                    return true;
                }
            } else if (domain.equals(entry)) {
                return true;
            }
        }
        return false;
    }
}
