package com.cryptomaltese.gateway.channel;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Removes what a mail client adds below (or above) the sender's new words: "&gt;" quoted lines and
 * the "On … wrote:" attribution above them, forwarded/original-message blocks, Outlook's quoted
 * header block and an attribution not followed by "&gt;" lines with everything after them (their
 * quote is not marked), and the sender's signature ("-- " line). Words written below or between
 * "&gt;" quoted lines (a bottom-posted or inline reply) are kept. The model should answer what was
 * written, not the thread.
 */
public final class QuotedText {

    private static final Pattern ATTRIBUTION = Pattern.compile(
            "^(On .{1,200}wrote:|Am .{1,200}schrieb .{1,200}:|Le .{1,200}a écrit\\s?:|El .{1,200}escribió:)\\s*$",
            Pattern.CASE_INSENSITIVE);
    private static final Pattern ORIGINAL_MESSAGE = Pattern.compile(
            "^-{2,}\\s*(Original Message|Forwarded message|Ursprüngliche Nachricht)\\s*-{2,}\\s*$",
            Pattern.CASE_INSENSITIVE);
    /** Outlook's header block of the quoted mail. */
    private static final Pattern OUTLOOK_FROM = Pattern.compile("^From: .+$");

    private QuotedText() {
    }

    public static String strip(String text) {
        if (text == null) {
            return "";
        }
        String[] lines = text.replace("\r\n", "\n").replace('\r', '\n').split("\n", -1);
        List<String> kept = new ArrayList<>();
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i];
            String trimmed = line.strip();
            if (line.equals("-- ") || line.equals("--") || ORIGINAL_MESSAGE.matcher(trimmed).matches()
                    || (OUTLOOK_FROM.matcher(trimmed).matches() && followedBySentOrTo(lines, i))) {
                break;
            }
            int attribution = ATTRIBUTION.matcher(trimmed).matches() ? 1
                    : attributionOverTwoLines(trimmed, i + 1 < lines.length ? lines[i + 1].strip() : "") ? 2 : 0;
            if (attribution > 0) {
                // A quote marked with '>' may have the sender's words below it; an unmarked one is all quote.
                if (!quoteFollows(lines, i + attribution)) {
                    break;
                }
                i += attribution - 1;
                continue;
            }
            if (trimmed.startsWith(">")) {
                continue;
            }
            kept.add(line.stripTrailing());
        }
        return String.join("\n", kept).strip();
    }

    /** Gmail wraps long attributions: "On Mon, 1 Jan 2024 at 10:00, Alice" / "&lt;alice@example.com&gt; wrote:". */
    private static boolean attributionOverTwoLines(String line, String next) {
        return line.regionMatches(true, 0, "On ", 0, 3) && !line.endsWith(".")
                && next.toLowerCase().endsWith("wrote:") && next.length() < 200;
    }

    /** Whether the first non-blank line from {@code from} on is a '>' quote. */
    private static boolean quoteFollows(String[] lines, int from) {
        for (int i = from; i < lines.length; i++) {
            String l = lines[i].strip();
            if (!l.isEmpty()) {
                return l.startsWith(">");
            }
        }
        return false;
    }

    private static boolean followedBySentOrTo(String[] lines, int from) {
        for (int i = from + 1; i < Math.min(lines.length, from + 4); i++) {
            String l = lines[i].strip();
            if (l.startsWith("Sent:") || l.startsWith("Date:") || l.startsWith("To:") || l.startsWith("Subject:")) {
                return true;
            }
        }
        return false;
    }
}
