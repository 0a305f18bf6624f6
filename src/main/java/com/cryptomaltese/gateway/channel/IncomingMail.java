package com.cryptomaltese.gateway.channel;

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

    /** The conversation key: sender and thread, the thread named by its first message. */
    public String conversationKey() {
        String root = !references.isEmpty() ? references.get(0) : messageId;
        return root == null ? from : from + " " + root;
    }
}
