package com.cryptomaltese.gateway.engine.decode;

import java.util.List;

/**
 * A reply's text as it is generated, watched for stop strings (OpenAI's {@code stop}): the reply
 * ends before the first place one of them appears, which is not part of it. Text that could still
 * become the start of a stop string is held back from the pieces handed over, so a streamed reply
 * never shows what the whole reply leaves out. Not thread-safe: one instance per sequence.
 */
final class StopText {

    private final List<String> stops;
    private final int longest;
    private final StringBuilder text = new StringBuilder();
    /** End of the text handed over so far. */
    private int handedOver;
    /** Where the first stop string begins; -1 while none has appeared. */
    private int stopAt = -1;

    StopText(List<String> stops) {
        this.stops = stops;
        this.longest = stops.stream().mapToInt(String::length).max().orElse(0);
    }

    /** Adds a piece of the reply; returns the text that can be handed over now, possibly empty. */
    String add(String piece) {
        if (stopped() || piece.isEmpty()) {
            return "";
        }
        // A stop string may begin in what came before: search from where the longest one could start.
        int from = Math.max(0, text.length() - longest + 1);
        text.append(piece);
        for (String stop : stops) {
            int at = text.indexOf(stop, from);
            if (at >= 0 && (stopAt < 0 || at < stopAt)) {
                stopAt = at;
            }
        }
        return handOverUpTo(stopped() ? stopAt : text.length() - mayBecomeStop());
    }

    /** What is still held back, once the reply has ended without a stop string. */
    String finish() {
        return handOverUpTo(stopped() ? stopAt : text.length());
    }

    boolean stopped() {
        return stopAt >= 0;
    }

    /** The reply: everything before the first stop string. */
    String reply() {
        return stopped() ? text.substring(0, stopAt) : text.toString();
    }

    /** The length of the longest end of the text that is the beginning of a stop string. */
    private int mayBecomeStop() {
        for (int length = Math.min(longest - 1, text.length()); length > 0; length--) {
            String end = text.substring(text.length() - length);
            if (stops.stream().anyMatch(stop -> stop.startsWith(end))) {
                return length;
            }
        }
        return 0;
    }

    private String handOverUpTo(int end) {
        if (end <= handedOver) {
            return "";
        }
        String out = text.substring(handedOver, end);
        handedOver = end;
        return out;
    }
}
