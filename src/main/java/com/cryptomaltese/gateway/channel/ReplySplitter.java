package com.cryptomaltese.gateway.channel;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Cuts a long reply into parts no longer than a channel's limit (Telegram: 4096 characters),
 * preferring the gentlest boundary that fits: a paragraph, then a line, a sentence, a word, and
 * only as a last resort the middle of a word (never between the two halves of a surrogate pair).
 */
public final class ReplySplitter {

    private static final Pattern PARAGRAPH = Pattern.compile("\\n\\s*\\n");
    private static final Pattern LINE = Pattern.compile("\\n");
    private static final Pattern SENTENCE = Pattern.compile("(?<=[.!?…])\\s+");
    private static final Pattern WORD = Pattern.compile("\\s+");
    private static final List<Pattern> BOUNDARIES = List.of(PARAGRAPH, LINE, SENTENCE, WORD);

    private ReplySplitter() {
    }

    /** The parts in order; each is trimmed, non-empty and at most {@code limit} characters long. */
    public static List<String> split(String text, int limit) {
        if (limit < 2) {
            throw new IllegalArgumentException("limit must be at least 2, was " + limit);
        }
        List<String> parts = new ArrayList<>();
        String rest = text == null ? "" : text.strip();
        while (rest.length() > limit) {
            int cut = cutPoint(rest, limit);
            String part = rest.substring(0, cut).strip();
            if (!part.isEmpty()) {
                parts.add(part);
            }
            rest = rest.substring(cut).strip();
        }
        if (!rest.isEmpty()) {
            parts.add(rest);
        }
        return parts;
    }

    /** Where to cut {@code text}: the end of the last boundary match that leaves a non-empty part within the limit. */
    private static int cutPoint(String text, int limit) {
        String window = text.substring(0, limit + 1);
        for (Pattern boundary : BOUNDARIES) {
            int best = -1;
            Matcher m = boundary.matcher(window);
            while (m.find()) {
                if (m.start() > 0 && m.start() <= limit) {
                    best = m.start();
                }
            }
            if (best > 0) {
                return best;
            }
        }
        // One "word" longer than the limit: cut it, but keep surrogate pairs whole.
        return Character.isLowSurrogate(text.charAt(limit)) ? limit - 1 : limit;
    }
}
