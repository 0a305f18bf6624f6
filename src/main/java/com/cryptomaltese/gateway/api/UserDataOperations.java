package com.cryptomaltese.gateway.api;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;

import com.cryptomaltese.gateway.chat.ConversationKey;
import com.cryptomaltese.gateway.chat.Conversations;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import io.swagger.v3.oas.annotations.media.Schema;
import org.springframework.stereotype.Component;
import org.springframework.web.util.UriUtils;

/** The right of access and erasure: everything stored about one user of one channel. */
@Component
class UserDataOperations {

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    @Schema(description = "Everything the gateway stores about a user: every conversation, oldest message first")
    record UserExport(String channel, String userId, Instant exportedAt, List<StoredMessage> messages) {
    }

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    record StoredMessage(@Schema(description = "The user's conversation the message belongs to (a Telegram "
                                 + "chat, a mail thread, a conversation_id); null for the default one", nullable = true)
                         String conversationId,
                         @Schema(allowableValues = {"user", "assistant"}) String role, String content,
                         Instant createdAt) {
    }

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    @Schema(description = "Result of an erasure")
    record UserErased(@Schema(example = "success") String status, String channel, String userId,
                      long messagesDeleted) {
    }

    private final Conversations conversations;

    UserDataOperations(Conversations conversations) {
        this.conversations = conversations;
    }

    public UserExport export(String channel, String userId) {
        ConversationKey key = key(channel, userId);
        List<StoredMessage> messages = conversations.export(key.channel(), key.userId()).stream()
                .map(t -> new StoredMessage(t.thread().isEmpty() ? null : t.thread(), t.role(), t.content(),
                        t.createdAt()))
                .toList();
        return new UserExport(key.channel(), key.userId(), Instant.now(), messages);
    }

    public UserErased erase(String channel, String userId) {
        ConversationKey key = key(channel, userId);
        return new UserErased("success", key.channel(), key.userId(), conversations.erase(key.channel(), key.userId()));
    }

    /** Path segments arrive URL-encoded (a mail address's @ as %40): decode once, then validate. */
    private static ConversationKey key(String channel, String userId) {
        try {
            return ConversationKey.of(UriUtils.decode(channel, StandardCharsets.UTF_8),
                    UriUtils.decode(userId, StandardCharsets.UTF_8));
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest("user_id", "is not correctly URL-encoded");
        }
    }
}
