package com.cryptomaltese.gateway.chat;

import java.util.regex.Pattern;

import com.cryptomaltese.gateway.api.ApiException;

/**
 * Which conversation a message belongs to: a thread of a channel's user ({@code user_id} +
 * {@code channel}, optionally {@code conversation_id} naming one of that user's threads), or a
 * caller-chosen {@code conversation_id} alone, kept under the channel {@value #CONVERSATION_CHANNEL}.
 * A user's threads are kept apart in the prompt but found together by access and erasure requests.
 *
 * @param thread the user's thread, {@value #NO_THREAD} for their default conversation
 */
public record ConversationKey(String channel, String userId, String thread) {

    static final String NO_THREAD = "";

    static final String CONVERSATION_CHANNEL = "conversation";
    private static final Pattern CHANNEL = Pattern.compile("[a-z0-9_-]{1,32}");
    private static final int MAX_ID = 200;

    /** The request's conversation, or null when it asks for none. */
    static ConversationKey from(ChatRequest request) {
        boolean byId = request.conversationId() != null;
        boolean byUser = request.userId() != null || request.channel() != null;
        if (byUser) {
            if (request.userId() == null) {
                throw ApiException.badRequest("user_id", "is required with channel");
            }
            ConversationKey user = of(request.channel(), request.userId());
            return byId ? user.inThread(validId(request.conversationId(), "conversation_id")) : user;
        }
        if (byId) {
            return new ConversationKey(CONVERSATION_CHANNEL, validId(request.conversationId(), "conversation_id"),
                    NO_THREAD);
        }
        if (Boolean.TRUE.equals(request.reset())) {
            throw ApiException.badRequest("reset", "needs a conversation: send conversation_id, or user_id with channel");
        }
        return null;
    }

    /** A validated key, as the channel routes and the privacy endpoints name a user. */
    public static ConversationKey of(String channel, String userId) {
        if (channel == null || !CHANNEL.matcher(channel).matches()) {
            throw ApiException.badRequest("channel", "must be 1 to 32 of a-z, 0-9, '_', '-'");
        }
        return new ConversationKey(channel, validId(userId, "user_id"), NO_THREAD);
    }

    /** The same user's conversation named {@code thread}. */
    ConversationKey inThread(String thread) {
        return new ConversationKey(channel, userId, thread);
    }

    private static String validId(String id, String field) {
        if (id == null || id.isBlank()) {
            throw ApiException.badRequest(field, "must not be empty");
        }
        if (id.length() > MAX_ID) {
            // As the database column counts: UTF-16 units, so an emoji counts two.
            throw ApiException.badRequest(field, "is longer than " + MAX_ID + " UTF-16 units (an emoji counts two)");
        }
        if (id.chars().anyMatch(Character::isISOControl)) {
            throw ApiException.badRequest(field, "must not contain control characters");
        }
        if (hasLoneSurrogate(id)) {
            // No URL names such an id, so what is stored under it could never be exported or erased.
            throw ApiException.badRequest(field, "must not contain an unpaired UTF-16 surrogate");
        }
        // Nor these: the server refuses "." and ".." as path segments and a backslash in a path.
        if (id.equals(".") || id.equals("..")) {
            throw ApiException.badRequest(field, "must not be '.' or '..'");
        }
        if (id.indexOf('\\') >= 0) {
            throw ApiException.badRequest(field, "must not contain a backslash");
        }
        return id;
    }

    private static boolean hasLoneSurrogate(String id) {
        for (int i = 0; i < id.length(); i++) {
            char c = id.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < id.length() && Character.isLowSurrogate(id.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                return true;
            }
        }
        return false;
    }
}
