package com.cryptomaltese.gateway.channel;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Removes what a mail client adds below (or above) the sender's new words: "&gt;" quoted lines and
 * the "On … wrote:" attribution above them, forwarded/original-message blocks and Outlook's quoted
 * header block with everything after them (their quote is not marked), and the sender's signature
 * ("-- " line). Words written below or between quoted lines (a bottom-posted or inline reply) are
 * kept. The model should answer what was written, not the thread.
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
            if (ATTRIBUTION.matcher(trimmed).matches()) {
                continue;
            }
            if (attributionOverTwoLines(trimmed, i + 1 < lines.length ? lines[i + 1].strip() : "")) {
                i++;
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
