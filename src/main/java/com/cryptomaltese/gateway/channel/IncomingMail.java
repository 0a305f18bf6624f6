package com.cryptomaltese.gateway.channel;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

/**
 * A received mail as the mail route needs it.
 *
 * @param from       the sender's address (lower case)
 * @param messageId  the mail's Message-ID, or null
 * @param references its References (oldest first), then In-Reply-To when not among them
 * @param text       the new words: plain text (HTML converted), quoted history and signature removed
 * @param automatic  why it is an automatic mail (never answered), or null
 */
public record IncomingMail(String from, String subject, String messageId, List<String> references, String text,
                           int size, String automatic) {

    private static final int MAX_THREAD = 200;

    /** The same mail with its text read. */
    public IncomingMail withText(String newText) {
        return new IncomingMail(from, subject, messageId, references, newText, size, automatic);
    }

    /**
     * The sender's conversation this mail belongs to: its thread, named by the thread's first
     * message. A Message-ID is the sender's to choose: one too long or odd to be a conversation id
     * is named by its SHA-256 instead.
     */
    public String thread() {
        String root = !references.isEmpty() ? references.get(0) : messageId;
        if (root == null) {
            return "";
        }
        if (root.length() <= MAX_THREAD && root.chars().noneMatch(Character::isISOControl)) {
            return root;
        }
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(root.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }
}
